/* SPDX-License-Identifier: MIT */
/*
 * Tests of kernel/config.c (config_parse). Setup blobs are built here with
 * libfdt's sequential-write API from a small description per VM, so each
 * bad case differs from a good VM in exactly one property. A bad VM must
 * give exactly one error naming it, and the VMs around it still parse.
 */
#include "harness.h"

#include <hv/config.h>
#include <hv/errno.h>
#include <libfdt.h>

#define BLOB_SIZE (4UL << 20) /* room for a kernel larger than 2 MiB */
#define NR_PCPUS 4
#define MAX_ERRS 16

static const char kernel_bytes[] = "KERNEL-IMAGE";

struct vm_spec {
    const char *name;
    const char *compatible; /* NULL: property left out */
    unsigned int mem_cells; /* 0: left out; 1 or 2; 3 = malformed */
    uint64_t mem_size;
    int vcpus;  /* -1: left out */
    int nr_aff; /* -1: left out */
    uint32_t aff[8];
    const void *kernel; /* NULL: left out */
    size_t kernel_len;
    const void *initrd; /* NULL: left out */
    size_t initrd_len;
    const char *console;  /* NULL: left out */
    const char *bootargs; /* NULL: left out */
    int bootargs_len;     /* 0: strlen + 1 */
    struct {
        const char *name; /* NULL: unused slot */
        uint32_t value;
        int len; /* 0: one cell */
    } cells[4];
    const char *list_name; /* NULL: none; else a property of list[] */
    uint32_t list[6];
    int list_cells;
    const char *bytes_name; /* NULL: none; else bytes[0..bytes_len) */
    const uint8_t *bytes;
    int bytes_len;
};

struct errors {
    unsigned int n;
    char msg[MAX_ERRS][160];
};

static void collect(void *ctx, const char *msg)
{
    struct errors *e = ctx;

    assert_non_null(msg);
    if (e->n < MAX_ERRS) {
        snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
    }
    e->n++;
}

static struct vm_spec good_vm(const char *name)
{
    struct vm_spec v = {
        .name = name,
        .compatible = "shoji,vm",
        .mem_cells = 2,
        .mem_size = 256UL << 20,
        .vcpus = 2,
        .nr_aff = -1,
        .kernel = kernel_bytes,
        .kernel_len = sizeof(kernel_bytes),
        .console = "pl011",
        .bootargs = "console=ttyAMA0 earlycon",
    };

    return v;
}

static void add_vm(void *fdt, const struct vm_spec *v)
{
    assert_int_equal(fdt_begin_node(fdt, v->name), 0);
    if (v->compatible != NULL) {
        assert_int_equal(fdt_property_string(fdt, "compatible", v->compatible),
                         0);
    }
    if (v->mem_cells == 1) {
        assert_int_equal(
            fdt_property_u32(fdt, "memory-size", (uint32_t)v->mem_size), 0);
    } else if (v->mem_cells == 2) {
        assert_int_equal(fdt_property_u64(fdt, "memory-size", v->mem_size), 0);
    } else if (v->mem_cells == 3) {
        fdt32_t c[3] = {0, cpu_to_fdt32(1), 0};

        assert_int_equal(fdt_property(fdt, "memory-size", c, sizeof(c)), 0);
    }
    if (v->vcpus >= 0) {
        assert_int_equal(fdt_property_u32(fdt, "vcpus", (uint32_t)v->vcpus), 0);
    }
    if (v->nr_aff >= 0) {
        fdt32_t c[8];
        int i;

        for (i = 0; i < v->nr_aff; i++) {
            c[i] = cpu_to_fdt32(v->aff[i]);
        }
        assert_int_equal(
            fdt_property(fdt, "cpu-affinity", c, (int)sizeof(c[0]) * v->nr_aff),
            0);
    }
    if (v->kernel != NULL) {
        assert_int_equal(
            fdt_property(fdt, "kernel", v->kernel, (int)v->kernel_len), 0);
    }
    if (v->initrd != NULL) {
        assert_int_equal(
            fdt_property(fdt, "initrd", v->initrd, (int)v->initrd_len), 0);
    }
    if (v->console != NULL) {
        assert_int_equal(fdt_property_string(fdt, "console", v->console), 0);
    }
    if (v->bootargs != NULL) {
        int len = v->bootargs_len != 0 ? v->bootargs_len
                                       : (int)strlen(v->bootargs) + 1;

        assert_int_equal(fdt_property(fdt, "bootargs", v->bootargs, len), 0);
    }
    if (v->bytes_name != NULL) {
        assert_int_equal(
            fdt_property(fdt, v->bytes_name, v->bytes, v->bytes_len), 0);
    }
    if (v->list_name != NULL) {
        fdt32_t c[6];

        for (int i = 0; i < v->list_cells; i++) {
            c[i] = cpu_to_fdt32(v->list[i]);
        }
        assert_int_equal(fdt_property(fdt, v->list_name, c,
                                      (int)sizeof(c[0]) * v->list_cells),
                         0);
    }
    for (unsigned int i = 0; i < 4 && v->cells[i].name != NULL; i++) {
        fdt32_t cell[2] = {cpu_to_fdt32(v->cells[i].value),
                           cpu_to_fdt32(v->cells[i].value)};
        /* len 0: one cell; -1: an empty property. */
        int len = v->cells[i].len < 0    ? 0
                  : v->cells[i].len != 0 ? v->cells[i].len
                                         : 4;

        assert_int_equal(fdt_property(fdt, v->cells[i].name, cell, len), 0);
    }
    assert_int_equal(fdt_end_node(fdt), 0);
}

/* Builds a setup blob: /chosen (if scheduler), /vms with the given VMs. */
static void *build_blob(const char *scheduler, const struct vm_spec *vms,
                        unsigned int nr, bool with_vms_node)
{
    void *fdt = malloc(BLOB_SIZE);
    unsigned int i;

    assert_non_null(fdt);
    assert_int_equal(fdt_create(fdt, (int)BLOB_SIZE), 0);
    assert_int_equal(fdt_finish_reservemap(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, ""), 0);
    if (scheduler != NULL) {
        assert_int_equal(fdt_begin_node(fdt, "chosen"), 0);
        assert_int_equal(fdt_property_string(fdt, "scheduler", scheduler), 0);
        assert_int_equal(fdt_end_node(fdt), 0);
    }
    if (with_vms_node) {
        assert_int_equal(fdt_begin_node(fdt, "vms"), 0);
        for (i = 0; i < nr; i++) {
            add_vm(fdt, &vms[i]);
        }
        assert_int_equal(fdt_end_node(fdt), 0);
    }
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_finish(fdt), 0);
    return fdt;
}

static int parse(const void *fdt, unsigned int nr_pcpus,
                 struct setup_config *out, struct errors *errs)
{
    memset(errs, 0, sizeof(*errs));
    return config_parse(fdt, fdt_totalsize(fdt), nr_pcpus, out, collect, errs);
}

static void test_good_setup(void **state)
{
    struct vm_spec vms[2] = {good_vm("alpha"), good_vm("beta")};
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    const char *fdt;

    assert_non_null(out);
    vms[1].mem_cells = 1;
    vms[1].mem_size = 64UL << 20;
    vms[1].vcpus = 3;
    vms[1].nr_aff = 3;
    vms[1].aff[0] = 3;
    vms[1].aff[1] = 2;
    vms[1].aff[2] = 3;
    vms[1].console = "none";
    vms[1].bootargs = NULL;
    fdt = build_blob("rr", vms, 2, true);

    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(errs.n, 0);
    assert_string_equal(out->scheduler, "rr");
    assert_int_equal(out->nr_vms, 2);

    assert_string_equal(out->vms[0].name, "alpha");
    assert_int_equal(out->vms[0].mem_size, 256UL << 20);
    assert_int_equal(out->vms[0].nr_vcpus, 2);
    assert_int_equal(out->vms[0].affinity[0], 0);
    assert_int_equal(out->vms[0].affinity[1], 1);
    assert_int_equal(out->vms[0].kernel_size, sizeof(kernel_bytes));
    assert_true((const char *)out->vms[0].kernel > fdt &&
                (const char *)out->vms[0].kernel < fdt + fdt_totalsize(fdt));
    assert_memory_equal(out->vms[0].kernel, kernel_bytes, sizeof(kernel_bytes));
    assert_true(out->vms[0].console_pl011);
    assert_string_equal(out->vms[0].bootargs, "console=ttyAMA0 earlycon");

    assert_string_equal(out->vms[1].name, "beta");
    assert_int_equal(out->vms[1].mem_size, 64UL << 20);
    assert_int_equal(out->vms[1].nr_vcpus, 3);
    assert_int_equal(out->vms[1].affinity[0], 3);
    assert_int_equal(out->vms[1].affinity[1], 2);
    assert_int_equal(out->vms[1].affinity[2], 3);
    assert_false(out->vms[1].console_pl011);
    assert_string_equal(out->vms[1].bootargs, "");
    free((void *)fdt);
    free(out);
}

static void test_defaults(void **state)
{
    struct vm_spec vm = good_vm("solo");
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    assert_non_null(out);
    vm.vcpus = 4;
    vm.console = NULL;
    vm.bootargs = NULL;
    fdt = build_blob(NULL, &vm, 1, true);
    /* Default affinity wraps around the CPUs there are. */
    assert_int_equal(parse(fdt, 3, out, &errs), 0);
    assert_int_equal(out->nr_vms, 1);
    assert_string_equal(out->scheduler, "");
    assert_int_equal(out->vms[0].affinity[0], 0);
    assert_int_equal(out->vms[0].affinity[1], 1);
    assert_int_equal(out->vms[0].affinity[2], 2);
    assert_int_equal(out->vms[0].affinity[3], 0);
    assert_true(out->vms[0].console_pl011);
    assert_string_equal(out->vms[0].bootargs, "");
    free(fdt);
    free(out);
}

/*
 * Parses good "alpha", the bad VM, good "gamma": expects exactly one error
 * that starts with prefix and contains what, and both good VMs.
 */
static void check_one_bad(const struct vm_spec *bad, const char *prefix,
                          const char *what)
{
    struct vm_spec vms[3] = {good_vm("alpha"), *bad, good_vm("gamma")};
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt = build_blob("rr", vms, 3, true);
    int rc;

    assert_non_null(out);
    rc = parse(fdt, NR_PCPUS, out, &errs);
    if (errs.n > 0) {
        print_message("  error: %s\n", errs.msg[0]);
    }
    assert_int_equal(rc, 1);
    assert_int_equal(errs.n, 1);
    assert_true(strncmp(errs.msg[0], prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(errs.msg[0], what));
    assert_int_equal(out->nr_vms, 2);
    assert_string_equal(out->vms[0].name, "alpha");
    assert_string_equal(out->vms[1].name, "gamma");
    assert_int_equal(out->vms[1].nr_vcpus, 2);
    free(fdt);
    free(out);
}

static void test_missing_kernel(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.kernel = NULL;
    check_one_bad(&v, "vm bad:", "kernel");
}

static void test_empty_kernel(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.kernel_len = 0;
    check_one_bad(&v, "vm bad:", "kernel");
}

static void test_memory_zero(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.mem_size = 0;
    check_one_bad(&v, "vm bad:", "memory-size");
}

static void test_memory_not_2m_multiple(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.mem_size = (64UL << 20) + PAGE_SIZE;
    check_one_bad(&v, "vm bad:", "2 MiB");
}

static void test_memory_too_large(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.mem_size = 128UL << 30;
    check_one_bad(&v, "vm bad:", "memory-size");
}

static void test_memory_missing_or_malformed(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.mem_cells = 0;
    check_one_bad(&v, "vm bad:", "memory-size");
    v.mem_cells = 3;
    check_one_bad(&v, "vm bad:", "memory-size");
}

static void test_vcpus_zero(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.vcpus = 0;
    check_one_bad(&v, "vm bad:", "vcpus");
}

static void test_vcpus_too_many(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.vcpus = CONFIG_MAX_VCPUS_PER_VM + 1;
    check_one_bad(&v, "vm bad:", "vcpus");
    v.vcpus = -1;
    check_one_bad(&v, "vm bad:", "vcpus");
}

static void test_affinity_cpu_out_of_range(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.nr_aff = 2;
    v.aff[0] = 0;
    v.aff[1] = NR_PCPUS;
    check_one_bad(&v, "vm bad:", "cpu4");
}

static void test_affinity_length_mismatch(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.nr_aff = 1;
    check_one_bad(&v, "vm bad:", "cpu-affinity");
    v.nr_aff = 3;
    check_one_bad(&v, "vm bad:", "cpu-affinity");
}

static void test_bad_names(void **state)
{
    struct vm_spec v = good_vm("bad!name");

    check_one_bad(&v, "vm 'bad!name'", "bad name");
    v.name = "a-name-that-is-far-too-long-for-a-vm";
    check_one_bad(&v, "vm 'a-name", "bad name");
}

static void test_wrong_compatible(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.compatible = "linux,vm";
    check_one_bad(&v, "vm bad:", "compatible");
    v.compatible = NULL;
    check_one_bad(&v, "vm bad:", "compatible");
}

static void test_duplicate_names(void **state)
{
    struct vm_spec vms[3] = {good_vm("alpha"), good_vm("alpha"),
                             good_vm("gamma")};
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    assert_non_null(out);
    vms[1].vcpus = 1;
    fdt = build_blob("rr", vms, 3, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 1);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.msg[0], "vm alpha: duplicate name");
    assert_int_equal(out->nr_vms, 2);
    assert_string_equal(out->vms[0].name, "alpha");
    assert_int_equal(out->vms[0].nr_vcpus, 2);
    assert_string_equal(out->vms[1].name, "gamma");
    free(fdt);
    free(out);
}

static void test_unknown_console(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.console = "virtio";
    check_one_bad(&v, "vm bad:", "console");
}

static void test_console_not_terminated(void **state)
{
    static const char none[4] = {'n', 'o', 'n', 'e'};
    struct vm_spec v = good_vm("bad");
    struct vm_spec vms[3];
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    /*
     * A console property that is not a string must be an error, not
     * silently taken as the default pl011. Built by hand: add_vm() writes
     * NUL-terminated strings.
     */
    assert_non_null(out);
    v.console = NULL;
    vms[0] = good_vm("alpha");
    vms[1] = v;
    vms[2] = good_vm("gamma");
    fdt = malloc(BLOB_SIZE);
    assert_non_null(fdt);
    assert_int_equal(fdt_create(fdt, (int)BLOB_SIZE), 0);
    assert_int_equal(fdt_finish_reservemap(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, ""), 0);
    assert_int_equal(fdt_begin_node(fdt, "vms"), 0);
    add_vm(fdt, &vms[0]);
    add_vm(fdt, &vms[1]);
    add_vm(fdt, &vms[2]);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_finish(fdt), 0);
    assert_int_equal(fdt_open_into(fdt, fdt, (int)BLOB_SIZE), 0);
    assert_int_equal(fdt_setprop(fdt, fdt_path_offset(fdt, "/vms/bad"),
                                 "console", none, sizeof(none)),
                     0);
    assert_int_equal(fdt_pack(fdt), 0);

    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 1);
    assert_int_equal(errs.n, 1);
    assert_non_null(strstr(errs.msg[0], "console"));
    assert_int_equal(out->nr_vms, 2);
    free(fdt);
    free(out);
}

static void test_bootargs_not_terminated(void **state)
{
    struct vm_spec v = good_vm("bad");

    v.bootargs = "console=ttyAMA0";
    v.bootargs_len = (int)strlen(v.bootargs); /* no NUL */
    check_one_bad(&v, "vm bad:", "bootargs");
}

static void test_bootargs_too_long(void **state)
{
    static char longargs[VM_BOOTARGS_MAX + 1];
    struct vm_spec v = good_vm("bad");

    memset(longargs, 'x', VM_BOOTARGS_MAX);
    longargs[VM_BOOTARGS_MAX] = '\0';
    v.bootargs = longargs;
    check_one_bad(&v, "vm bad:", "bootargs");
}

static void test_sched_properties(void **state)
{
    struct vm_spec v = good_vm("media");
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    v.cells[0].name = "sched-weight";
    v.cells[0].value = 512;
    v.cells[1].name = "sched-cap";
    v.cells[1].value = 25;
    v.cells[2].name = "sched-rt-period-us";
    v.cells[2].value = 16667;
    v.cells[3].name = "sched-rt-budget-us";
    v.cells[3].value = 4500;
    fdt = build_blob("credit-rt", &v, 1, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_string_equal(out->scheduler, "credit-rt");
    assert_int_equal(out->vms[0].sched_weight, 512);
    assert_int_equal(out->vms[0].sched_cap_pct, 25);
    assert_int_equal(out->vms[0].rt_period_us, 16667);
    assert_int_equal(out->vms[0].rt_budget_us, 4500);
    free(fdt);
    /* Left out: zero, meaning the policy's defaults. */
    v = good_vm("plain");
    fdt = build_blob(NULL, &v, 1, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(out->vms[0].sched_weight, 0);
    assert_int_equal(out->vms[0].rt_budget_us, 0);
    free(fdt);
    free(out);
}

static void test_sched_properties_bad(void **state)
{
    static const struct {
        const char *name;
        uint32_t value;
        int len;
        const char *second; /* NULL: only the first property */
        uint32_t second_value;
        const char *why;
    } cases[] = {
        {"sched-weight", 0, 0, NULL, 0, "sched-weight"},
        {"sched-weight", 65536, 0, NULL, 0, "sched-weight"},
        {"sched-weight", 256, 8, NULL, 0, "sched-weight"},
        {"sched-cap", 101, 0, NULL, 0, "sched-cap"},
        {"sched-rt-period-us", 50, 0, "sched-rt-budget-us", 10, "period"},
        {"sched-rt-period-us", 2000000, 0, "sched-rt-budget-us", 10, "period"},
        {"sched-rt-period-us", 1000, 0, NULL, 0, "both"},
        {"sched-rt-budget-us", 1000, 0, NULL, 0, "both"},
        {"sched-rt-period-us", 1000, 0, "sched-rt-budget-us", 2000, "exceeds"},
        {"sched-rt-period-us", 1000, 0, "sched-rt-budget-us", 0, "budget"},
    };
    unsigned int i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vm_spec v = good_vm("bad");

        v.cells[0].name = cases[i].name;
        v.cells[0].value = cases[i].value;
        v.cells[0].len = cases[i].len;
        v.cells[1].name = cases[i].second;
        v.cells[1].value = cases[i].second_value;
        check_one_bad(&v, "vm bad:", cases[i].why);
    }
}

/* cpus-allowed: one mask per vCPU (here both vCPUs get the same one). */
static void test_cpus_allowed(void **state)
{
    struct vm_spec v = good_vm("roam");
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    assert_non_null(out);
    v.cells[0].name = "cpus-allowed";
    v.cells[0].value = 0x3;
    v.cells[0].len = 8;
    fdt = build_blob(NULL, &v, 1, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(out->vms[0].cpus_allowed[0], 0x3);
    assert_int_equal(out->vms[0].cpus_allowed[1], 0x3);
    free(fdt);
    v = good_vm("pinned");
    fdt = build_blob(NULL, &v, 1, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(out->vms[0].cpus_allowed[0], 0);
    free(fdt);
    free(out);
}

static void test_cpus_allowed_bad(void **state)
{
    static const struct {
        uint32_t mask;
        int len;
        const char *why;
    } cases[] = {
        {0x3, 4, "one cell per vCPU"},
        {0x1, 8, "of vCPU 1 must include its cpu1"},
        {0x13, 8, "only pCPUs below 4"},
        {0, 8, "must include its cpu0"},
    };
    unsigned int i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vm_spec v = good_vm("bad");

        v.cells[0].name = "cpus-allowed";
        v.cells[0].value = cases[i].mask;
        v.cells[0].len = cases[i].len;
        check_one_bad(&v, "vm bad:", cases[i].why);
    }
}

/* virtio-console: an empty property gives the VM that device in slot 0. */
static void test_virtio_console(void **state)
{
    struct vm_spec v = good_vm("hvc");
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    assert_non_null(out);
    v.cells[0].name = "virtio-console";
    v.cells[0].len = -1; /* empty */
    fdt = build_blob(NULL, &v, 1, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(out->vms[0].nr_virtio, 1);
    assert_int_equal(out->vms[0].virtio[0].type, VM_VIRTIO_CONSOLE);
    free(fdt);
    v = good_vm("bad");
    v.cells[0].name = "virtio-console";
    v.cells[0].value = 1;
    check_one_bad(&v, "vm bad:", "virtio-console takes no value");
    free(out);
}

/*
 * One virtio property case: with why, the VM is refused for that reason;
 * without, it parses into one device of type `type`, returned in *dev.
 */
static bool virtio_case(const struct vm_spec *v, const char *why,
                        enum vm_virtio_type type, struct vm_virtio *dev)
{
    struct setup_config *out;
    struct errors errs;
    void *fdt;

    if (why != NULL) {
        check_one_bad(v, "vm bad:", why);
        return false;
    }
    out = malloc(sizeof(*out));
    assert_non_null(out);
    fdt = build_blob(NULL, v, 1, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(out->vms[0].nr_virtio, 1);
    assert_int_equal(out->vms[0].virtio[0].type, type);
    *dev = out->vms[0].virtio[0];
    free(fdt);
    free(out);
    return true;
}

/* virtio-blk = <disk offset-hi offset-lo size-hi size-lo>, bytes. */
static void test_virtio_blk(void **state)
{
    static const struct {
        uint32_t cells[5];
        int nr;
        const char *why; /* NULL: valid */
    } cases[] = {
        {{1, 0x1, 0x0, 0x0, 0x4000000}, 5, NULL},
        {{0, 0, 0, 0, 512}, 5, NULL},
        {{0, 0, 0, 0, 0}, 5, "non-empty whole number"},
        {{0, 0, 100, 0, 512}, 5, "non-empty whole number"},
        {{0, 0, 0, 0, 1000}, 5, "non-empty whole number"},
        {{0, 0xffffffff, 0xfffffe00, 0, 1024}, 5, "non-empty whole number"},
        {{0, 0, 0, 0, 512}, 4, "needs <disk"},
    };
    unsigned int i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vm_spec v = good_vm(cases[i].why != NULL ? "bad" : "disk");
        struct vm_virtio dev;

        v.list_name = "virtio-blk";
        memcpy(v.list, cases[i].cells, sizeof(cases[i].cells));
        v.list_cells = cases[i].nr;
        if (virtio_case(&v, cases[i].why, VM_VIRTIO_BLK, &dev)) {
            assert_int_equal(dev.disk, cases[i].cells[0]);
            assert_int_equal(dev.offset, (uint64_t)cases[i].cells[1] << 32 |
                                             cases[i].cells[2]);
            assert_int_equal(dev.size, cases[i].cells[4]);
        }
    }
}

/* virtio-net = [6 bytes]: a unicast, non-zero MAC address. */
static void test_virtio_net(void **state)
{
    static const struct {
        uint8_t mac[8];
        int len;
        const char *why; /* NULL: valid */
    } cases[] = {
        {{0x52, 0x54, 0, 0, 0, 0x15}, 6, NULL},
        {{0x01, 0, 0x5e, 0, 0, 1}, 6, "unicast"},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 6, "unicast"},
        {{0, 0, 0, 0, 0, 0}, 6, "unicast"},
        {{0x52, 0x54, 0, 0, 0}, 5, "unicast"},
        {{0x52, 0x54, 0, 0, 0, 1, 2}, 7, "unicast"},
    };
    unsigned int i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vm_spec v = good_vm(cases[i].why != NULL ? "bad" : "net");
        struct vm_virtio dev;

        v.bytes_name = "virtio-net";
        v.bytes = cases[i].mac;
        v.bytes_len = cases[i].len;
        if (virtio_case(&v, cases[i].why, VM_VIRTIO_NET, &dev)) {
            assert_memory_equal(dev.mac, cases[i].mac, 6);
        }
    }
}

static void test_kernel_larger_than_memory(void **state)
{
    uint64_t room = (2UL << 20) - ((uint64_t)CONFIG_GUEST_DTB_MAX_KIB << 10);
    uint8_t *img = calloc(1, room + 1);
    struct vm_spec v = good_vm("bad");
    struct vm_spec fits = good_vm("fits");
    struct vm_spec vms[2];
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    assert_non_null(img);
    assert_non_null(out);
    v.mem_size = 2UL << 20;
    v.kernel = img;
    v.kernel_len = room + 1;
    check_one_bad(&v, "vm bad:", "fit");

    /* Exactly the room below the device tree is fine. */
    fits.mem_size = 2UL << 20;
    fits.kernel = img;
    fits.kernel_len = room;
    vms[0] = fits;
    vms[1] = good_vm("other");
    fdt = build_blob("rr", vms, 2, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(out->nr_vms, 2);
    assert_int_equal(out->vms[0].kernel_size, room);
    free(fdt);
    free(out);
    free(img);
}

static void test_initrd(void **state)
{
    static const char rd[] = "INITRD";
    uint64_t room = (2UL << 20) - ((uint64_t)CONFIG_GUEST_DTB_MAX_KIB << 10);
    uint8_t *big = calloc(1, room);
    struct vm_spec v = good_vm("bad");
    struct vm_spec vms[2] = {good_vm("alpha"), good_vm("beta")};
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt;

    assert_non_null(big);
    assert_non_null(out);
    /* Present but empty. */
    v.initrd = rd;
    v.initrd_len = 0;
    check_one_bad(&v, "vm bad:", "initrd");
    /* Kernel and initrd together do not fit, each alone would. */
    v.mem_size = 2UL << 20;
    v.kernel = big;
    v.kernel_len = room - 4;
    v.initrd = rd;
    v.initrd_len = sizeof(rd);
    check_one_bad(&v, "vm bad:", "fit");

    vms[1].initrd = rd;
    vms[1].initrd_len = sizeof(rd);
    fdt = build_blob("rr", vms, 2, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_null(out->vms[0].initrd);
    assert_int_equal(out->vms[0].initrd_size, 0);
    assert_int_equal(out->vms[1].initrd_size, sizeof(rd));
    assert_memory_equal(out->vms[1].initrd, rd, sizeof(rd));
    free(fdt);
    free(out);
    free(big);
}

static void test_too_many_vms(void **state)
{
    static const char *names[CONFIG_MAX_VMS + 1] = {
        "vm0", "vm1", "vm2", "vm3", "vm4", "vm5", "vm6", "vm7", "vm8",
    };
    struct vm_spec vms[CONFIG_MAX_VMS + 1];
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    unsigned int i;
    void *fdt;

    assert_non_null(out);
    for (i = 0; i <= CONFIG_MAX_VMS; i++) {
        vms[i] = good_vm(names[i]);
    }
    fdt = build_blob("rr", vms, CONFIG_MAX_VMS + 1, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 1);
    assert_int_equal(errs.n, 1);
    assert_non_null(strstr(errs.msg[0], "vm8"));
    assert_non_null(strstr(errs.msg[0], "more than"));
    assert_int_equal(out->nr_vms, CONFIG_MAX_VMS);
    assert_string_equal(out->vms[CONFIG_MAX_VMS - 1].name, "vm7");
    free(fdt);
    free(out);
}

static void test_scheduler_name_too_long(void **state)
{
    struct vm_spec vm = good_vm("alpha");
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt = build_blob("sixteen-chars-xx", &vm, 1, true);

    assert_non_null(out);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 1);
    assert_non_null(strstr(errs.msg[0], "scheduler"));
    assert_string_equal(out->scheduler, "");
    assert_int_equal(out->nr_vms, 1);
    free(fdt);
    free(out);
}

static void test_unusable_blobs(void **state)
{
    struct vm_spec vm = good_vm("alpha");
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    char *fdt = build_blob("rr", &vm, 1, true);
    char *copy;
    size_t size = fdt_totalsize(fdt);

    assert_non_null(out);
    /* Header only: totalsize is larger than the buffer given. */
    copy = malloc(sizeof(struct fdt_header));
    assert_non_null(copy);
    memcpy(copy, fdt, sizeof(struct fdt_header));
    memset(&errs, 0, sizeof(errs));
    assert_true(config_parse(copy, sizeof(struct fdt_header), NR_PCPUS, out,
                             collect, &errs) < 0);
    assert_int_equal(out->nr_vms, 0);
    assert_int_equal(errs.n, 1);
    free(copy);

    /* Truncated by one byte. */
    copy = malloc(size - 1);
    assert_non_null(copy);
    memcpy(copy, fdt, size - 1);
    assert_true(config_parse(copy, size - 1, NR_PCPUS, out, collect, &errs) <
                0);
    assert_int_equal(out->nr_vms, 0);
    free(copy);

    /* Shorter than a header, NULL, bad magic. */
    assert_true(config_parse(fdt, 8, NR_PCPUS, out, NULL, NULL) < 0);
    assert_true(config_parse(NULL, size, NR_PCPUS, out, NULL, NULL) < 0);
    fdt[0] ^= 0xff;
    assert_true(config_parse(fdt, size, NR_PCPUS, out, NULL, NULL) < 0);
    assert_int_equal(out->nr_vms, 0);
    fdt[0] ^= 0xff;

    /* No CPUs to run on. */
    assert_true(config_parse(fdt, size, 0, out, NULL, NULL) < 0);
    assert_int_equal(out->nr_vms, 0);
    /* And the intact blob parses. */
    assert_int_equal(config_parse(fdt, size, NR_PCPUS, out, NULL, NULL), 0);
    assert_int_equal(out->nr_vms, 1);
    free(fdt);
    free(out);
}

static void test_corrupted_structure(void **state)
{
    struct vm_spec vm = good_vm("alpha");
    struct setup_config *out = malloc(sizeof(*out));
    char *fdt = build_blob("rr", &vm, 1, true);
    size_t size = fdt_totalsize(fdt);
    uint32_t off = fdt_off_dt_struct(fdt);
    uint32_t len = fdt_size_dt_struct(fdt);
    uint32_t i;

    /*
     * Garbage in the structure block: the parse may fail or drop VMs,
     * but must not read outside the blob (ASan watches).
     */
    assert_non_null(out);
    srand(7);
    for (i = 0; i < 200; i++) {
        char *copy = malloc(size);
        uint32_t pos = off + (uint32_t)rand() % len;

        assert_non_null(copy);
        memcpy(copy, fdt, size);
        copy[pos] = (char)rand();
        (void)config_parse(copy, size, NR_PCPUS, out, NULL, NULL);
        assert_true(out->nr_vms <= 1);
        free(copy);
    }
    free(fdt);
    free(out);
}

static void test_no_vms_node(void **state)
{
    struct setup_config *out = malloc(sizeof(*out));
    struct errors errs;
    void *fdt = build_blob("rr", NULL, 0, false);

    assert_non_null(out);
    assert_true(parse(fdt, NR_PCPUS, out, &errs) < 0);
    assert_int_equal(out->nr_vms, 0);
    assert_int_equal(errs.n, 1);
    assert_non_null(strstr(errs.msg[0], "/vms"));
    free(fdt);

    /* An empty /vms is not an error, just nothing to start. */
    fdt = build_blob("rr", NULL, 0, true);
    assert_int_equal(parse(fdt, NR_PCPUS, out, &errs), 0);
    assert_int_equal(out->nr_vms, 0);
    free(fdt);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_setup),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_missing_kernel),
        cmocka_unit_test(test_empty_kernel),
        cmocka_unit_test(test_memory_zero),
        cmocka_unit_test(test_memory_not_2m_multiple),
        cmocka_unit_test(test_memory_too_large),
        cmocka_unit_test(test_memory_missing_or_malformed),
        cmocka_unit_test(test_vcpus_zero),
        cmocka_unit_test(test_vcpus_too_many),
        cmocka_unit_test(test_affinity_cpu_out_of_range),
        cmocka_unit_test(test_affinity_length_mismatch),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_wrong_compatible),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_unknown_console),
        cmocka_unit_test(test_console_not_terminated),
        cmocka_unit_test(test_bootargs_not_terminated),
        cmocka_unit_test(test_bootargs_too_long),
        cmocka_unit_test(test_kernel_larger_than_memory),
        cmocka_unit_test(test_initrd),
        cmocka_unit_test(test_too_many_vms),
        cmocka_unit_test(test_scheduler_name_too_long),
        cmocka_unit_test(test_unusable_blobs),
        cmocka_unit_test(test_corrupted_structure),
        cmocka_unit_test(test_no_vms_node),
        cmocka_unit_test(test_sched_properties),
        cmocka_unit_test(test_sched_properties_bad),
        cmocka_unit_test(test_cpus_allowed),
        cmocka_unit_test(test_cpus_allowed_bad),
        cmocka_unit_test(test_virtio_console),
        cmocka_unit_test(test_virtio_blk),
        cmocka_unit_test(test_virtio_net),
    };

    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
