/* SPDX-License-Identifier: MIT */
/*
 * Tests of arch/arm64/vm_fdt.c (vm_fdt_build): the guest device tree is
 * valid and says what the VM description and boot say: RAM, CPUs with
 * PSCI over HVC, GICv3 sized for the vCPUs, the PL011 only when the VM has
 * one, /chosen with bootargs, boot count and initrd; errors for a buffer
 * that is too small and bad arguments.
 */
#include "harness.h"

#include <asm/vgic_v3.h>
#include <hv/errno.h>
#include <hv/vm_fdt.h>
#include <libfdt.h>

#define DT_SIZE (64 * 1024)

/*
 * fdt_property() is wrapped (-Wl,--wrap, see the Makefile): libfdt's
 * version memcpy()s val even when len is 0, so a NULL val is undefined
 * behaviour. The wrapper counts such calls and passes a valid pointer on,
 * so the other tests still run; test_no_null_property_values fails on it.
 */
int __real_fdt_property(void *fdt, const char *name, const void *val, int len);
int __wrap_fdt_property(void *fdt, const char *name, const void *val, int len);

static unsigned int null_values;
static char null_names[256];

int __wrap_fdt_property(void *fdt, const char *name, const void *val, int len)
{
    if (val == NULL) {
        size_t used = strlen(null_names);

        null_values++;
        snprintf(null_names + used, sizeof(null_names) - used, " %s", name);
        val = "";
    }
    return __real_fdt_property(fdt, name, val, len);
}

struct fixture {
    struct vm_config cfg;
    struct vm_boot boot;
    char *buf;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    f->buf = malloc(DT_SIZE);
    if (f->buf == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->cfg.name, sizeof(f->cfg.name), "linux0");
    f->cfg.mem_size = 128UL << 20;
    f->cfg.nr_vcpus = 3;
    f->cfg.console_pl011 = true;
    snprintf(f->cfg.bootargs, sizeof(f->cfg.bootargs), "console=ttyAMA0");
    f->boot.cfg = &f->cfg;
    f->boot.ram_ipa = VM_RAM_IPA;
    f->boot.ram_size = f->cfg.mem_size;
    f->boot.boot_count = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    free(f->buf);
    free(f);
    return 0;
}

/* Returns property prop of node path, asserting that it exists. */
static const void *get_prop(const void *fdt, const char *path, const char *prop,
                            int *len)
{
    int node = fdt_path_offset(fdt, path);
    const void *p;

    if (node < 0) {
        fail_msg("no node %s", path);
    }
    p = fdt_getprop(fdt, node, prop, len);
    if (p == NULL) {
        fail_msg("no property %s in %s", prop, path);
    }
    return p;
}

static uint64_t be64_at(const void *p, unsigned int i)
{
    fdt64_t v;

    memcpy(&v, (const char *)p + 8 * i, sizeof(v));
    return fdt64_to_cpu(v);
}

static void build_ok(struct fixture *f)
{
    assert_int_equal(vm_fdt_build(&f->boot, f->buf, DT_SIZE), 0);
    assert_int_equal(fdt_check_header(f->buf), 0);
    assert_true(fdt_totalsize(f->buf) <= DT_SIZE);
}

static void test_valid_tree(void **state)
{
    struct fixture *f = *state;
    int len;
    const char *s;

    build_ok(f);
    assert_int_equal(fdt_check_full(f->buf, fdt_totalsize(f->buf)), 0);
    s = get_prop(f->buf, "/", "compatible", &len);
    assert_string_equal(s, "shoji,virt");
    s = get_prop(f->buf, "/chosen", "shoji,vm-name", &len);
    assert_string_equal(s, "linux0");
}

static void test_memory(void **state)
{
    struct fixture *f = *state;
    const void *reg;
    int len;
    const char *s;

    build_ok(f);
    reg = get_prop(f->buf, "/memory@40000000", "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(be64_at(reg, 0), 0x40000000);
    assert_int_equal(be64_at(reg, 1), 128UL << 20);
    s = get_prop(f->buf, "/memory@40000000", "device_type", &len);
    assert_string_equal(s, "memory");
}

static void test_cpus_and_psci(void **state)
{
    struct fixture *f = *state;
    int cpus;
    int node;
    int n = 0;
    int len;
    const char *s;

    build_ok(f);
    cpus = fdt_path_offset(f->buf, "/cpus");
    assert_true(cpus >= 0);
    fdt_for_each_subnode (node, f->buf, cpus) {
        char path[32];
        const fdt32_t *reg;

        snprintf(path, sizeof(path), "cpu@%d", n);
        assert_string_equal(fdt_get_name(f->buf, node, NULL), path);
        s = fdt_getprop(f->buf, node, "enable-method", &len);
        assert_non_null(s);
        assert_string_equal(s, "psci");
        reg = fdt_getprop(f->buf, node, "reg", &len);
        assert_non_null(reg);
        assert_int_equal(len, 4);
        assert_int_equal(fdt32_to_cpu(reg[0]), n);
        n++;
    }
    assert_int_equal(n, 3);
    s = get_prop(f->buf, "/psci", "method", &len);
    assert_string_equal(s, "hvc");
    s = get_prop(f->buf, "/psci", "compatible", &len);
    assert_string_equal(s, "arm,psci-1.0");
}

static void test_one_vcpu(void **state)
{
    struct fixture *f = *state;
    const void *reg;
    int len;

    f->cfg.nr_vcpus = 1;
    build_ok(f);
    assert_true(fdt_path_offset(f->buf, "/cpus/cpu@0") >= 0);
    assert_true(fdt_path_offset(f->buf, "/cpus/cpu@1") < 0);
    /* One redistributor frame per vCPU. */
    reg = get_prop(f->buf, "/intc@8000000", "reg", &len);
    assert_int_equal(len, 32);
    assert_int_equal(be64_at(reg, 0), VGIC_GICD_IPA);
    assert_int_equal(be64_at(reg, 2), VGIC_GICR_IPA);
    assert_int_equal(be64_at(reg, 3), VGIC_GICR_STRIDE);
}

static void test_chosen_with_console(void **state)
{
    struct fixture *f = *state;
    const char *s;
    const fdt32_t *irq;
    int len;

    f->boot.boot_count = 7;
    build_ok(f);
    s = get_prop(f->buf, "/chosen", "stdout-path", &len);
    assert_string_equal(s, "/pl011@9000000");
    s = get_prop(f->buf, "/chosen", "bootargs", &len);
    assert_string_equal(s, "console=ttyAMA0 shoji.boot=7");
    assert_true(fdt_path_offset(f->buf, "/pl011@9000000") >= 0);
    irq = get_prop(f->buf, "/pl011@9000000", "interrupts", &len);
    assert_int_equal(len, 12);
    assert_int_equal(fdt32_to_cpu(irq[1]), VM_UART_SPI);
    /* No initrd: no initrd properties. */
    assert_null(fdt_getprop(f->buf, fdt_path_offset(f->buf, "/chosen"),
                            "linux,initrd-start", &len));
}

static void test_no_console_no_bootargs(void **state)
{
    struct fixture *f = *state;
    int chosen;
    const char *s;
    int len;

    f->cfg.console_pl011 = false;
    f->cfg.bootargs[0] = '\0';
    build_ok(f);
    chosen = fdt_path_offset(f->buf, "/chosen");
    assert_true(chosen >= 0);
    assert_null(fdt_getprop(f->buf, chosen, "stdout-path", &len));
    assert_true(fdt_path_offset(f->buf, "/pl011@9000000") < 0);
    assert_true(fdt_path_offset(f->buf, "/apb-pclk") < 0);
    /* Only the boot count is left of the command line. */
    s = get_prop(f->buf, "/chosen", "bootargs", &len);
    assert_string_equal(s, "shoji.boot=1");
}

static void test_long_bootargs_not_truncated(void **state)
{
    struct fixture *f = *state;
    char want[VM_BOOTARGS_MAX + 32];
    const char *s;
    int len;

    memset(f->cfg.bootargs, 'a', VM_BOOTARGS_MAX - 1);
    f->cfg.bootargs[VM_BOOTARGS_MAX - 1] = '\0';
    f->boot.boot_count = 4294967295U;
    snprintf(want, sizeof(want), "%s shoji.boot=4294967295", f->cfg.bootargs);
    build_ok(f);
    s = get_prop(f->buf, "/chosen", "bootargs", &len);
    assert_string_equal(s, want);
}

static void test_initrd(void **state)
{
    struct fixture *f = *state;
    const void *p;
    int len;

    f->boot.initrd_ipa = 0x44000000;
    f->boot.initrd_size = 0x123456;
    build_ok(f);
    p = get_prop(f->buf, "/chosen", "linux,initrd-start", &len);
    assert_int_equal(len, 8);
    assert_int_equal(be64_at(p, 0), 0x44000000);
    p = get_prop(f->buf, "/chosen", "linux,initrd-end", &len);
    assert_int_equal(be64_at(p, 0), 0x44000000 + 0x123456);
}

static void test_buffer_too_small(void **state)
{
    struct fixture *f = *state;
    size_t need;
    size_t size;

    build_ok(f);
    need = fdt_totalsize(f->buf);
    /* Every size below what is needed fails cleanly, inside the buffer. */
    for (size = 0; size < need; size += size < 64 ? 1 : 37) {
        char *small = malloc(size + 1);

        assert_non_null(small);
        assert_int_equal(vm_fdt_build(&f->boot, small, size), -HV_E2BIG);
        free(small);
    }
    {
        char *exact = malloc(need);

        assert_non_null(exact);
        assert_int_equal(vm_fdt_build(&f->boot, exact, need), 0);
        assert_int_equal(fdt_check_header(exact), 0);
        free(exact);
    }
}

static void test_no_null_property_values(void **state)
{
    struct fixture *f = *state;

    null_values = 0;
    null_names[0] = '\0';
    build_ok(f);
    if (null_values != 0) {
        fail_msg("fdt_property() got a NULL value for:%s", null_names);
    }
}

static void test_bad_arguments(void **state)
{
    struct fixture *f = *state;
    struct vm_boot no_cfg = f->boot;

    no_cfg.cfg = NULL;
    assert_int_equal(vm_fdt_build(&no_cfg, f->buf, DT_SIZE), -HV_EINVAL);
    assert_int_equal(vm_fdt_build(&f->boot, f->buf, 0x80000000UL), -HV_EINVAL);
}

/* Two virtio devices: virtio-mmio nodes at QEMU virt's addresses, each
 * with its own level-triggered SPI; none without virtio. */
static void test_virtio_nodes(void **state)
{
    struct fixture *f = *state;
    const fdt32_t *irq;
    const void *reg;
    int len;

    build_ok(f);
    assert_true(fdt_path_offset(f->buf, "/virtio_mmio@a000000") < 0);
    f->cfg.nr_virtio = 2;
    f->cfg.virtio[0].type = VM_VIRTIO_CONSOLE;
    f->cfg.virtio[1].type = VM_VIRTIO_CONSOLE;
    build_ok(f);
    assert_string_equal(
        get_prop(f->buf, "/virtio_mmio@a000200", "compatible", &len),
        "virtio,mmio");
    reg = get_prop(f->buf, "/virtio_mmio@a000200", "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(be64_at(reg, 0), VM_VIRTIO_IPA + VM_VIRTIO_STRIDE);
    assert_int_equal(be64_at(reg, 1), VM_VIRTIO_STRIDE);
    irq = get_prop(f->buf, "/virtio_mmio@a000000", "interrupts", &len);
    assert_int_equal(len, 12);
    assert_int_equal(fdt32_to_cpu(irq[0]), 0); /* SPI */
    assert_int_equal(fdt32_to_cpu(irq[1]), VM_VIRTIO_SPI);
    assert_int_equal(fdt32_to_cpu(irq[2]), 4); /* level, active high */
    irq = get_prop(f->buf, "/virtio_mmio@a000200", "interrupts", &len);
    assert_int_equal(fdt32_to_cpu(irq[1]), VM_VIRTIO_SPI + 1);
    get_prop(f->buf, "/virtio_mmio@a000000", "dma-coherent", &len);
    assert_int_equal(len, 0);
}

#define DT_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DT_TEST(test_valid_tree),
        DT_TEST(test_memory),
        DT_TEST(test_cpus_and_psci),
        DT_TEST(test_one_vcpu),
        DT_TEST(test_chosen_with_console),
        DT_TEST(test_no_console_no_bootargs),
        DT_TEST(test_long_bootargs_not_truncated),
        DT_TEST(test_initrd),
        DT_TEST(test_buffer_too_small),
        DT_TEST(test_bad_arguments),
        DT_TEST(test_no_null_property_values),
        DT_TEST(test_virtio_nodes),
    };

    return cmocka_run_group_tests_name("vm_fdt", tests, NULL, NULL);
}
