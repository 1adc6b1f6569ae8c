/* SPDX-License-Identifier: MIT */
/*
 * Tests of arch/arm64/vpsci.c and arch/arm64/smccc.c: the PSCI 1.1 calls
 * a guest makes (return codes, and exactly which kernel function each one
 * calls with what), and the SMCCC dispatch around them (architecture
 * calls, Spectre workaround discovery from the fake ID registers, owners
 * nobody implements). The kernel functions they call are faked here, with
 * vcpu_power_on() keeping the vCPU state the way kernel/vcpu.c does.
 */
#include "harness.h"

#include <asm/smccc.h>
#include <fake/arch.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <vmapi/shoji_hvc.h>

#define NR_VCPUS 2
#define RAM_IPA 0x40000000UL
#define RAM_SIZE 0x08000000UL

#define PSCI_VERSION 0x84000000UL
#define PSCI_CPU_SUSPEND 0x84000001UL
#define PSCI_CPU_OFF 0x84000002UL
#define PSCI_CPU_ON_32 0x84000003UL
#define PSCI_CPU_ON_64 0xc4000003UL
#define PSCI_AFFINITY_INFO_32 0x84000004UL
#define PSCI_AFFINITY_INFO_64 0xc4000004UL
#define PSCI_MIGRATE 0x84000005UL
#define PSCI_MIGRATE_INFO_TYPE 0x84000006UL
#define PSCI_SYSTEM_OFF 0x84000008UL
#define PSCI_SYSTEM_RESET 0x84000009UL
#define PSCI_FEATURES 0x8400000aUL
#define PSCI_SYSTEM_SUSPEND_64 0xc400000eUL

#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)

#define ID_AA64PFR0 FAKE_SYSREG_NAME(id_aa64pfr0_el1)
#define ID_AA64MMFR1 FAKE_SYSREG_NAME(id_aa64mmfr1_el1)
#define CSV2(n) ((uint64_t)(n) << 56)
#define ECBHB(n) ((uint64_t)(n) << 60)

/* --- fake kernel ------------------------------------------------------- */

/* What the code under test asked of the kernel. */
static struct {
    unsigned int power_on;
    struct vcpu *power_on_vcpu;
    uint64_t power_on_entry;
    uint64_t power_on_arg;
    unsigned int power_off;
    struct vcpu *power_off_vcpu;
    unsigned int stop;
    struct vm *stop_vm;
    int64_t stop_code;
    unsigned int reset;
    struct vm *reset_vm;
    unsigned int hypercalls;
    uint64_t hypercall_fid;
    uint64_t hypercall_a0;
} calls;

/* As kernel/vcpu.c: on -> -HV_EBUSY, start pending -> -HV_EAGAIN. */
int vcpu_power_on(struct vcpu *v, uint64_t entry, uint64_t arg)
{
    calls.power_on++;
    calls.power_on_vcpu = v;
    calls.power_on_entry = entry;
    calls.power_on_arg = arg;
    if (v->start_pending) {
        return -HV_EAGAIN;
    }
    if (v->state == VCPU_RUNNABLE || v->state == VCPU_BLOCKED) {
        return -HV_EBUSY;
    }
    v->start_pending = true;
    v->start_entry = entry;
    v->start_arg = arg;
    return 0;
}

void vcpu_power_off(struct vcpu *v)
{
    calls.power_off++;
    calls.power_off_vcpu = v;
    v->state = VCPU_OFF;
}

void vm_stop(struct vm *vm, int64_t code, const char *reason)
{
    calls.stop++;
    calls.stop_vm = vm;
    calls.stop_code = code;
}

void vm_reset(struct vm *vm, const char *reason)
{
    calls.reset++;
    calls.reset_vm = vm;
}

bool vm_ipa_in_ram(const struct vm *vm, uint64_t ipa, uint64_t len)
{
    return ipa >= vm->ram_ipa && len <= vm->ram_size &&
           ipa - vm->ram_ipa <= vm->ram_size - len;
}

/* Knows one call, SHOJI_HVC_VM_ID, which returns 42. */
bool hypercall_handle(struct vcpu *v, uint64_t fid, const uint64_t a[6],
                      int64_t *ret)
{
    calls.hypercalls++;
    calls.hypercall_fid = fid;
    calls.hypercall_a0 = a[0];
    if (fid != SHOJI_HVC_VM_ID) {
        return false;
    }
    *ret = 42;
    return true;
}

/* --- fixture ------------------------------------------------------------- */

struct fixture {
    struct vm vm;
    struct vcpu v[NR_VCPUS];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    unsigned int i;

    if (f == NULL) {
        return -1;
    }
    fake_arch_reset();
    memset(&calls, 0, sizeof(calls));
    f->vm.ram_ipa = RAM_IPA;
    f->vm.ram_size = RAM_SIZE;
    f->vm.nr_vcpus = NR_VCPUS;
    for (i = 0; i < NR_VCPUS; i++) {
        f->v[i].vm = &f->vm;
        f->v[i].id = i;
        f->v[i].state = VCPU_OFF;
        f->vm.vcpus[i] = &f->v[i];
    }
    f->v[0].state = VCPU_RUNNABLE; /* the caller */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Makes a PSCI call from vCPU 0; returns the result, checks "handled". */
static int64_t psci(struct fixture *f, uint64_t fid, uint64_t a0, uint64_t a1,
                    uint64_t a2)
{
    const uint64_t a[6] = {a0, a1, a2, 0, 0, 0};
    int64_t ret = 0x5a5a;

    assert_int_equal(vpsci_handle(&f->v[0], fid, a, &ret), 1);
    return ret;
}

/*
 * Makes an SMCCC call from vCPU 0 with x1 and x2 as given, junk in x3;
 * returns x0 and checks that x1..x3 were cleared.
 */
static int64_t smc2(struct fixture *f, uint64_t fid, uint64_t x1, uint64_t x2)
{
    uint64_t *x = f->v[0].arch.regs.x;

    x[0] = fid;
    x[1] = x1;
    x[2] = x2;
    x[3] = 0xdead0003;
    smccc_handle(&f->v[0]);
    assert_int_equal(x[1], 0);
    assert_int_equal(x[2], 0);
    assert_int_equal(x[3], 0);
    return (int64_t)x[0];
}

static int64_t smc(struct fixture *f, uint64_t fid, uint64_t x1)
{
    return smc2(f, fid, x1, 0xdead0002);
}

/* --- PSCI ------------------------------------------------------------------
 */

static void test_version_features(void **state)
{
    static const uint64_t implemented[] = {
        PSCI_VERSION,           PSCI_CPU_OFF,          PSCI_CPU_ON_32,
        PSCI_CPU_ON_64,         PSCI_AFFINITY_INFO_32, PSCI_AFFINITY_INFO_64,
        PSCI_MIGRATE_INFO_TYPE, PSCI_SYSTEM_OFF,       PSCI_SYSTEM_RESET,
        PSCI_FEATURES,
    };
    static const uint64_t unknown[] = {
        PSCI_CPU_SUSPEND, PSCI_MIGRATE, PSCI_SYSTEM_SUSPEND_64,
        0xc4000000UL, /* no SMC64 VERSION */
        0xc4000008UL,     0x8400000bUL, 0,
        0xffffffffUL,
    };
    struct fixture *f = *state;
    unsigned int i;

    assert_int_equal(psci(f, PSCI_VERSION, 0, 0, 0), 0x10001);
    for (i = 0; i < ARRAY_SIZE(implemented); i++) {
        assert_int_equal(psci(f, PSCI_FEATURES, implemented[i], 0, 0), 0);
    }
    for (i = 0; i < ARRAY_SIZE(unknown); i++) {
        assert_int_equal(psci(f, PSCI_FEATURES, unknown[i], 0, 0),
                         PSCI_NOT_SUPPORTED);
    }
    /* The queried ID is a 32-bit value: junk above is ignored. */
    assert_int_equal(
        psci(f, PSCI_FEATURES, 0xabcd000000000000UL | PSCI_CPU_ON_64, 0, 0), 0);
    assert_int_equal(
        calls.power_on + calls.power_off + calls.stop + calls.reset, 0);
}

/*
 * SMCCC 1.1 (DEN0028) is discovered with PSCI_FEATURES(SMCCC_VERSION):
 * Linux (psci_init_smccc()) only calls SMCCC_VERSION, and so only asks
 * ARCH_FEATURES about the Spectre workarounds, when this is not
 * NOT_SUPPORTED.
 */
static void test_features_smccc_version(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(psci(f, PSCI_FEATURES, SMCCC_VERSION, 0, 0), 0);
}

static void test_cpu_on(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(psci(f, PSCI_CPU_ON_64, 1, RAM_IPA + 0x80000, 0x1234), 0);
    assert_int_equal(calls.power_on, 1);
    assert_ptr_equal(calls.power_on_vcpu, &f->v[1]);
    assert_int_equal(calls.power_on_entry, RAM_IPA + 0x80000);
    assert_int_equal(calls.power_on_arg, 0x1234);

    /* Asked again before vCPU 1 started: pending. */
    assert_int_equal(psci(f, PSCI_CPU_ON_64, 1, RAM_IPA, 0), PSCI_ON_PENDING);
    /* Started. */
    f->v[1].start_pending = false;
    f->v[1].state = VCPU_RUNNABLE;
    assert_int_equal(psci(f, PSCI_CPU_ON_64, 1, RAM_IPA, 0), PSCI_ALREADY_ON);
    f->v[1].state = VCPU_BLOCKED;
    assert_int_equal(psci(f, PSCI_CPU_ON_64, 1, RAM_IPA, 0), PSCI_ALREADY_ON);
    /* The caller itself is on. */
    assert_int_equal(psci(f, PSCI_CPU_ON_64, 0, RAM_IPA, 0), PSCI_ALREADY_ON);
    assert_int_equal(calls.power_on, 5);

    /* Off again (CPU_OFF): can be started again. */
    f->v[1].state = VCPU_OFF;
    assert_int_equal(psci(f, PSCI_CPU_ON_64, 0x80000001UL, RAM_IPA, 7), 0);
    assert_ptr_equal(calls.power_on_vcpu, &f->v[1]);
    assert_int_equal(f->v[1].start_arg, 7);
}

static void test_cpu_on_bad_target(void **state)
{
    static const uint64_t bad_mpidr[] = {
        2, 0xff, 0x100, 0x10000, 0x100000000UL, 0xff00ffffffUL,
    };
    struct fixture *f = *state;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(bad_mpidr); i++) {
        assert_int_equal(psci(f, PSCI_CPU_ON_64, bad_mpidr[i], RAM_IPA, 0),
                         PSCI_INVALID_PARAMETERS);
    }
    assert_int_equal(calls.power_on, 0);
}

static void test_cpu_on_bad_entry(void **state)
{
    static const uint64_t bad_entry[] = {
        0,
        RAM_IPA - 4,
        RAM_IPA + 2,
        RAM_IPA + 0x81,
        RAM_IPA + RAM_SIZE,
        RAM_IPA + RAM_SIZE - 2,
        UINT64_MAX - 3,
        0x8000000000UL,
    };
    struct fixture *f = *state;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(bad_entry); i++) {
        assert_int_equal(psci(f, PSCI_CPU_ON_64, 1, bad_entry[i], 0),
                         PSCI_INVALID_PARAMETERS);
    }
    assert_int_equal(calls.power_on, 0);
    assert_false(f->v[1].start_pending);
    /* The last word of RAM is fine. */
    assert_int_equal(psci(f, PSCI_CPU_ON_64, 1, RAM_IPA + RAM_SIZE - 4, 0), 0);
    assert_int_equal(calls.power_on_entry, RAM_IPA + RAM_SIZE - 4);
}

static void test_cpu_on_32(void **state)
{
    struct fixture *f = *state;

    /* Entry and context are 32-bit: the upper halves are dropped. */
    assert_int_equal(psci(f, PSCI_CPU_ON_32, 1,
                          0xffffffff00000000UL | (RAM_IPA + 0x1000),
                          0x1234567800000009UL),
                     0);
    assert_int_equal(calls.power_on_entry, RAM_IPA + 0x1000);
    assert_int_equal(calls.power_on_arg, 9);
    /* The 64-bit form keeps them, and that entry is not RAM. */
    f->v[1].start_pending = false;
    assert_int_equal(
        psci(f, PSCI_CPU_ON_64, 1, 0x100000000UL | (RAM_IPA + 0x1000), 0),
        PSCI_INVALID_PARAMETERS);
    assert_int_equal(calls.power_on, 1);
}

static void test_affinity_info(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 0, 0, 0), 0); /* ON */
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 1, 0, 0), 1); /* OFF */
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_32, 1, 0, 0), 1);
    f->v[1].start_pending = true;
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 1, 0, 0), 2);
    f->v[1].start_pending = false;
    f->v[1].state = VCPU_BLOCKED;
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_32, 1, 0, 0), 0);
    f->v[1].state = VCPU_RUNNABLE;
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 1, 0, 0), 0);
    f->v[1].state = VCPU_STOPPED;
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 1, 0, 0), 1);

    /* Only level 0; only existing vCPUs. */
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 0, 1, 0),
                     PSCI_INVALID_PARAMETERS);
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 0, 3, 0),
                     PSCI_INVALID_PARAMETERS);
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 2, 0, 0),
                     PSCI_INVALID_PARAMETERS);
    assert_int_equal(psci(f, PSCI_AFFINITY_INFO_64, 0x100, 0, 0),
                     PSCI_INVALID_PARAMETERS);
    assert_int_equal(calls.power_on, 0);
}

static void test_cpu_off_migrate_system(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(psci(f, PSCI_CPU_OFF, 0, 0, 0), 0);
    assert_int_equal(calls.power_off, 1);
    assert_ptr_equal(calls.power_off_vcpu, &f->v[0]);

    assert_int_equal(psci(f, PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), 2);

    assert_int_equal(psci(f, PSCI_SYSTEM_OFF, 0, 0, 0), 0);
    assert_int_equal(calls.stop, 1);
    assert_ptr_equal(calls.stop_vm, &f->vm);
    assert_int_equal(calls.stop_code, 0);
    assert_int_equal(calls.reset, 0);

    assert_int_equal(psci(f, PSCI_SYSTEM_RESET, 0, 0, 0), 0);
    assert_int_equal(calls.reset, 1);
    assert_ptr_equal(calls.reset_vm, &f->vm);
    assert_int_equal(calls.stop, 1);
    assert_int_equal(calls.power_on, 0);
}

static void test_unknown_not_handled(void **state)
{
    static const uint64_t unknown[] = {
        PSCI_CPU_SUSPEND, PSCI_MIGRATE, PSCI_SYSTEM_SUSPEND_64, 0xc4000000UL,
        0xc4000008UL,     0x8400000bUL, 0x84000100UL,
    };
    struct fixture *f = *state;
    const uint64_t a[6] = {1, RAM_IPA, 0, 0, 0, 0};
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(unknown); i++) {
        int64_t ret = 0x5a5a;

        assert_int_equal(vpsci_handle(&f->v[0], unknown[i], a, &ret), 0);
        assert_int_equal(ret, 0x5a5a);
    }
    assert_int_equal(
        calls.power_on + calls.power_off + calls.stop + calls.reset, 0);
}

/* --- SMCCC ------------------------------------------------------------------
 */

static void test_smccc_version(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(smc(f, SMCCC_VERSION, 0), 0x10001);
    /* w0 only: the upper half of x0 is not part of the function ID. */
    assert_int_equal(smc(f, 0xffffffff00000000UL | SMCCC_VERSION, 0), 0x10001);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_VERSION), 0);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_FEATURES), 0);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, 0x80001234UL), -1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, PSCI_VERSION), -1);
    /* Architecture calls that do not exist. */
    assert_int_equal(smc(f, 0x80000002UL, 0), -1);
    assert_int_equal(smc(f, 0xc0000000UL, 0), -1);
}

static void test_smccc_workarounds(void **state)
{
    struct fixture *f = *state;

    /* Nothing known: every workaround NOT_SUPPORTED. */
    fake_sysreg_set(ID_AA64PFR0, 0);
    fake_sysreg_set(ID_AA64MMFR1, 0);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1), -1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2), -1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3), -1);

    /* CSV2 = 1: not affected by variant 2, maybe by BHB. */
    fake_sysreg_set(ID_AA64PFR0, CSV2(1) | 0x1111);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1), 1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3), -1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2), -1);

    /* CSV2 = 3 (FEAT_CSV2_3): BHB too. */
    fake_sysreg_set(ID_AA64PFR0, CSV2(3));
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1), 1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3), 1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2), -1);

    /* ECBHB without CSV2: BHB only. */
    fake_sysreg_set(ID_AA64PFR0, CSV2(0) | (0xfUL << 60));
    fake_sysreg_set(ID_AA64MMFR1, ECBHB(1));
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1), -1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3), 1);

    /* CSV2 = 2 without ECBHB: variant 2 only. */
    fake_sysreg_set(ID_AA64PFR0, CSV2(2));
    fake_sysreg_set(ID_AA64MMFR1, 0xfUL << 56);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1), 1);
    assert_int_equal(smc(f, SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3), -1);

    /* The workaround calls themselves are not implemented. */
    assert_int_equal(smc(f, SMCCC_ARCH_WORKAROUND_1, 0), -1);
    assert_int_equal(smc(f, SMCCC_ARCH_WORKAROUND_3, 0), -1);
}

static void test_smccc_psci_and_vendor(void **state)
{
    struct fixture *f = *state;

    /* Standard service calls go to PSCI, with x1.. as arguments. */
    assert_int_equal(smc(f, PSCI_VERSION, 0), 0x10001);
    assert_int_equal(smc2(f, PSCI_AFFINITY_INFO_64, 1, 0), 1);
    assert_int_equal(smc2(f, PSCI_AFFINITY_INFO_64, 5, 0),
                     PSCI_INVALID_PARAMETERS);
    assert_int_equal(smc2(f, PSCI_AFFINITY_INFO_64, 1, 1),
                     PSCI_INVALID_PARAMETERS);
    assert_int_equal(smc(f, PSCI_CPU_SUSPEND, 0), -1);
    assert_int_equal(smc(f, 0x84001234UL, 0), -1);
    assert_int_equal(calls.hypercalls, 0);

    /* Vendor hypervisor calls go to hypercall_handle(). */
    assert_int_equal(smc(f, SHOJI_HVC_VM_ID, 0x77), 42);
    assert_int_equal(calls.hypercalls, 1);
    assert_int_equal(calls.hypercall_fid, SHOJI_HVC_VM_ID);
    assert_int_equal(calls.hypercall_a0, 0x77);
    assert_int_equal(smc(f, SHOJI_HVC_ID(0x99), 0), -1);
    assert_int_equal(calls.hypercalls, 2);
}

static void test_smccc_unknown_owner(void **state)
{
    static const uint64_t fids[] = {
        0x81000000UL, /* CPU service */
        0x82000000UL, /* SiP */
        0x83000000UL, /* OEM */
        0x85000000UL, /* standard hypervisor */
        0xb0000000UL, /* trusted application */
        0xbf00ffffUL, /* trusted OS */
        0x3f000000UL, /* not even a fast call */
        0xffffffffUL,
    };
    struct fixture *f = *state;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(fids); i++) {
        assert_int_equal(smc(f, fids[i], 1), -1);
    }
    assert_int_equal(calls.hypercalls + calls.power_on + calls.power_off +
                         calls.stop + calls.reset,
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_version_features, setup, teardown),
        cmocka_unit_test_setup_teardown(test_features_smccc_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cpu_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_on_bad_target, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cpu_on_bad_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_on_32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_affinity_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_off_migrate_system, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_not_handled, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_smccc_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smccc_workarounds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_smccc_psci_and_vendor, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_smccc_unknown_owner, setup,
                                        teardown),
    };

    return cmocka_run_group_tests_name("vpsci", tests, NULL, NULL);
}
