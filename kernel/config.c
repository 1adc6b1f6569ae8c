/* SPDX-License-Identifier: MIT */
/*
 * Setup blob parsing and validation; see hv/config.h for the format. Every
 * check that can fail reports "vm NAME: reason" and drops that VM only, so
 * one bad description never starts a half-configured guest.
 */
#include <hv/config.h>
#include <hv/errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Largest RAM one VM may ask for (the QEMU board has at most a few GiB). */
#define VM_MEM_MAX (64UL << 30)
/* Room kept at the top of guest RAM for the generated device tree. */
#define VM_DTB_RESERVE ((uint64_t)CONFIG_GUEST_DTB_MAX_KIB << 10)

struct parse_ctx {
    void (*err)(void *ctx, const char *msg);
    void *err_ctx;
    int errors;
};

static void report(struct parse_ctx *pc, const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pc->errors++;
    if (pc->err != NULL) {
        pc->err(pc->err_ctx, msg);
    }
}

static bool valid_name(const char *s, int len)
{
    int i;

    if (len <= 0 || len >= VM_NAME_MAX) {
        return false;
    }
    for (i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (c >= 'A' && c <= 'Z') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* Reads a string property that must be NUL-terminated within its length. */
static const char *get_string(const void *fdt, int node, const char *prop,
                              int *len)
{
    const char *s = fdt_getprop(fdt, node, prop, len);

    if (s == NULL || *len <= 0 || s[*len - 1] != '\0') {
        return NULL;
    }
    return s;
}

static int parse_u64(const void *fdt, int node, const char *prop, uint64_t *out)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);

    if (p == NULL) {
        return -HV_ENOENT;
    }
    if (len == 4) {
        *out = fdt32_to_cpu(p[0]);
    } else if (len == 8) {
        *out = ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
    } else {
        return -HV_EINVAL;
    }
    return 0;
}

/* Reads optional one-cell property prop into *out, checking lo..hi. */
static int parse_u32_in(const void *fdt, int node, const char *name,
                        const char *prop, uint32_t lo, uint32_t hi,
                        uint32_t *out, struct parse_ctx *pc)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);

    if (p == NULL) {
        return 0;
    }
    if (len != 4 || fdt32_to_cpu(p[0]) < lo || fdt32_to_cpu(p[0]) > hi) {
        report(pc, "vm %s: %s must be one cell in %lu..%lu", name, prop,
               (unsigned long)lo, (unsigned long)hi);
        return -HV_EINVAL;
    }
    *out = fdt32_to_cpu(p[0]);
    return 0;
}

/* The sched-* properties (see hv/config.h). */
static int parse_sched(const void *fdt, int node, const char *name,
                       struct vm_config *vm, struct parse_ctx *pc)
{
    uint32_t weight = 0;
    uint32_t cap = 0;

    if (parse_u32_in(fdt, node, name, "sched-weight", 1, 65535, &weight, pc) !=
            0 ||
        parse_u32_in(fdt, node, name, "sched-cap", 0, 100, &cap, pc) != 0 ||
        parse_u32_in(fdt, node, name, "sched-rt-period-us", 100, 1000000,
                     &vm->rt_period_us, pc) != 0 ||
        parse_u32_in(fdt, node, name, "sched-rt-budget-us", 1, 1000000,
                     &vm->rt_budget_us, pc) != 0) {
        return -HV_EINVAL;
    }
    vm->sched_weight = weight;
    vm->sched_cap_pct = cap;
    if ((vm->rt_period_us == 0) != (vm->rt_budget_us == 0)) {
        report(pc,
               "vm %s: a reservation needs both sched-rt-period-us and "
               "sched-rt-budget-us",
               name);
        return -HV_EINVAL;
    }
    if (vm->rt_budget_us > vm->rt_period_us) {
        report(pc, "vm %s: sched-rt-budget-us %lu exceeds the period %lu us",
               name, (unsigned long)vm->rt_budget_us,
               (unsigned long)vm->rt_period_us);
        return -HV_EINVAL;
    }
    return 0;
}

/* cpus-allowed: one mask of pCPUs per vCPU, with its cpu-affinity one. */
static int parse_cpus_allowed(const void *fdt, int node, unsigned int nr_pcpus,
                              struct vm_config *vm, struct parse_ctx *pc)
{
    const fdt32_t *masks;
    uint32_t all = nr_pcpus >= 32 ? ~0U : (1U << nr_pcpus) - 1;
    unsigned int i;
    int len;

    masks = fdt_getprop(fdt, node, "cpus-allowed", &len);
    if (masks == NULL) {
        return 0;
    }
    if (len != (int)(4 * vm->nr_vcpus)) {
        report(pc, "vm %s: cpus-allowed needs one cell per vCPU (%u)", vm->name,
               vm->nr_vcpus);
        return -HV_EINVAL;
    }
    for (i = 0; i < vm->nr_vcpus; i++) {
        uint32_t m = fdt32_to_cpu(masks[i]);

        if ((m & ~all) != 0 || (m >> vm->affinity[i] & 1) == 0) {
            report(pc,
                   "vm %s: cpus-allowed 0x%x of vCPU %u must include its "
                   "cpu%u and only pCPUs below %u",
                   vm->name, (unsigned int)m, i, vm->affinity[i], nr_pcpus);
            return -HV_EINVAL;
        }
        vm->cpus_allowed[i] = m;
    }
    return 0;
}

/* virtio-blk = <disk offset-hi offset-lo size-hi size-lo>, in bytes:
 * a region of a host disk, whole 512-byte sectors. Whether the disk
 * exists and holds the region is checked when the VM is created. */
static int parse_virtio_blk(const fdt32_t *cells, int len, struct vm_config *vm,
                            struct parse_ctx *pc)
{
    struct vm_virtio *d = &vm->virtio[vm->nr_virtio];

    if (len != 5 * 4) {
        report(pc,
               "vm %s: virtio-blk needs <disk offset-hi offset-lo "
               "size-hi size-lo>",
               vm->name);
        return -HV_EINVAL;
    }
    d->type = VM_VIRTIO_BLK;
    d->disk = fdt32_to_cpu(cells[0]);
    d->offset = (uint64_t)fdt32_to_cpu(cells[1]) << 32 | fdt32_to_cpu(cells[2]);
    d->size = (uint64_t)fdt32_to_cpu(cells[3]) << 32 | fdt32_to_cpu(cells[4]);
    if (d->size == 0 || d->offset % 512 != 0 || d->size % 512 != 0 ||
        d->offset > UINT64_MAX - d->size) {
        report(pc,
               "vm %s: virtio-blk region must be a non-empty whole number "
               "of 512-byte sectors",
               vm->name);
        return -HV_EINVAL;
    }
    vm->nr_virtio++;
    return 0;
}

/* The paravirtual devices, in slot order: virtio-console (an empty
 * property), virtio-blk, virtio-net (its MAC address). */
static int parse_virtio(const void *fdt, int node, struct vm_config *vm,
                        struct parse_ctx *pc)
{
    const fdt32_t *cells;
    const uint8_t *mac;
    int len;

    if (fdt_getprop(fdt, node, "virtio-console", &len) != NULL) {
        if (len != 0) {
            report(pc, "vm %s: virtio-console takes no value", vm->name);
            return -HV_EINVAL;
        }
        vm->virtio[vm->nr_virtio++].type = VM_VIRTIO_CONSOLE;
    }
    cells = fdt_getprop(fdt, node, "virtio-blk", &len);
    if (cells != NULL && parse_virtio_blk(cells, len, vm, pc) != 0) {
        return -HV_EINVAL;
    }
    mac = fdt_getprop(fdt, node, "virtio-net", &len);
    if (mac != NULL) {
        /* A unicast address that is not all zeroes. */
        if (len != 6 || (mac[0] & 1) != 0 ||
            (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0) {
            report(pc,
                   "vm %s: virtio-net must be a unicast MAC address "
                   "[xx xx xx xx xx xx]",
                   vm->name);
            return -HV_EINVAL;
        }
        vm->virtio[vm->nr_virtio].type = VM_VIRTIO_NET;
        memcpy(vm->virtio[vm->nr_virtio].mac, mac, 6);
        vm->nr_virtio++;
    }
    return 0;
}

static int parse_vm(const void *fdt, int node, unsigned int nr_pcpus,
                    struct vm_config *vm, struct parse_ctx *pc)
{
    const char *name = fdt_get_name(fdt, node, NULL);
    const char *s;
    const fdt32_t *aff;
    int len;
    unsigned int i;

    memset(vm, 0, sizeof(*vm));
    if (name == NULL || !valid_name(name, (int)strlen(name))) {
        report(pc, "vm '%s': bad name (1-%d chars of [A-Za-z0-9_-])",
               name != NULL ? name : "?", VM_NAME_MAX - 1);
        return -HV_EINVAL;
    }
    strcpy(vm->name, name);

    s = get_string(fdt, node, "compatible", &len);
    if (s == NULL || strcmp(s, "shoji,vm") != 0) {
        report(pc, "vm %s: compatible must be \"shoji,vm\"", name);
        return -HV_EINVAL;
    }

    if (parse_u64(fdt, node, "memory-size", &vm->mem_size) != 0) {
        report(pc, "vm %s: missing or malformed memory-size", name);
        return -HV_EINVAL;
    }
    if (vm->mem_size == 0 || vm->mem_size % VM_RAM_ALIGN != 0 ||
        vm->mem_size > VM_MEM_MAX) {
        report(pc,
               "vm %s: memory-size 0x%lx must be a non-zero multiple of "
               "2 MiB, at most %lu GiB",
               name, (unsigned long)vm->mem_size, VM_MEM_MAX >> 30);
        return -HV_EINVAL;
    }

    aff = fdt_getprop(fdt, node, "vcpus", &len);
    if (aff == NULL || len != 4) {
        report(pc, "vm %s: missing or malformed vcpus", name);
        return -HV_EINVAL;
    }
    vm->nr_vcpus = fdt32_to_cpu(aff[0]);
    if (vm->nr_vcpus == 0 || vm->nr_vcpus > CONFIG_MAX_VCPUS_PER_VM) {
        report(pc, "vm %s: vcpus = %u, must be 1..%d", name, vm->nr_vcpus,
               CONFIG_MAX_VCPUS_PER_VM);
        return -HV_EINVAL;
    }

    aff = fdt_getprop(fdt, node, "cpu-affinity", &len);
    if (aff != NULL && len != (int)(4 * vm->nr_vcpus)) {
        report(pc, "vm %s: cpu-affinity needs one cell per vCPU (%u)", name,
               vm->nr_vcpus);
        return -HV_EINVAL;
    }
    for (i = 0; i < vm->nr_vcpus; i++) {
        vm->affinity[i] = aff != NULL ? fdt32_to_cpu(aff[i]) : i % nr_pcpus;
        if (vm->affinity[i] >= nr_pcpus) {
            report(pc, "vm %s: vCPU %u pinned to cpu%u, but there are %u", name,
                   i, vm->affinity[i], nr_pcpus);
            return -HV_EINVAL;
        }
    }
    if (parse_cpus_allowed(fdt, node, nr_pcpus, vm, pc) != 0) {
        return -HV_EINVAL;
    }

    vm->kernel = fdt_getprop(fdt, node, "kernel", &len);
    if (vm->kernel == NULL || len <= 0) {
        report(pc, "vm %s: missing kernel image", name);
        return -HV_EINVAL;
    }
    vm->kernel_size = (size_t)len;
    vm->initrd = fdt_getprop(fdt, node, "initrd", &len);
    if (vm->initrd != NULL && len <= 0) {
        report(pc, "vm %s: empty initrd", name);
        return -HV_EINVAL;
    }
    vm->initrd_size = vm->initrd != NULL ? (size_t)len : 0;
    if (vm->kernel_size + vm->initrd_size + VM_DTB_RESERVE > vm->mem_size) {
        report(pc,
               "vm %s: kernel and initrd (%lu bytes) do not fit in its "
               "memory",
               name, (unsigned long)(vm->kernel_size + vm->initrd_size));
        return -HV_EINVAL;
    }

    s = get_string(fdt, node, "console", &len);
    if (s == NULL && fdt_getprop(fdt, node, "console", NULL) != NULL) {
        report(pc, "vm %s: console must be a string (pl011 or none)", name);
        return -HV_EINVAL;
    }
    if (s == NULL || strcmp(s, "pl011") == 0) {
        vm->console_pl011 = true;
    } else if (strcmp(s, "none") != 0) {
        report(pc, "vm %s: unknown console \"%s\" (pl011 or none)", name, s);
        return -HV_EINVAL;
    }

    s = fdt_getprop(fdt, node, "bootargs", &len);
    if (s != NULL) {
        if (len <= 0 || len > VM_BOOTARGS_MAX || s[len - 1] != '\0') {
            report(pc, "vm %s: bootargs must be a string under %d bytes", name,
                   VM_BOOTARGS_MAX);
            return -HV_EINVAL;
        }
        memcpy(vm->bootargs, s, (size_t)len);
    }
    if (parse_virtio(fdt, node, vm, pc) != 0) {
        return -HV_EINVAL;
    }
    return parse_sched(fdt, node, name, vm, pc);
}

int config_parse(const void *blob, size_t blob_size, unsigned int nr_pcpus,
                 struct setup_config *out,
                 void (*err)(void *ctx, const char *msg), void *err_ctx)
{
    struct parse_ctx pc = {err, err_ctx, 0};
    const char *s;
    int vms;
    int node;
    int len;

    memset(out, 0, sizeof(*out));
    if (blob == NULL || blob_size < sizeof(struct fdt_header) ||
        fdt_check_header(blob) != 0 || fdt_totalsize(blob) > blob_size) {
        report(&pc, "setup: not a valid device tree blob");
        return -HV_EINVAL;
    }
    if (nr_pcpus == 0) {
        return -HV_EINVAL;
    }

    node = fdt_path_offset(blob, "/chosen");
    s = node >= 0 ? get_string(blob, node, "scheduler", &len) : NULL;
    if (s != NULL && (size_t)len > sizeof(out->scheduler)) {
        report(&pc, "setup: scheduler name too long");
        s = NULL;
    }
    if (s != NULL) {
        strcpy(out->scheduler, s);
    }

    vms = fdt_path_offset(blob, "/vms");
    if (vms < 0) {
        report(&pc, "setup: no /vms node");
        return -HV_EINVAL;
    }
    fdt_for_each_subnode (node, blob, vms) {
        struct vm_config *vm;
        unsigned int i;
        bool dup = false;

        if (out->nr_vms == CONFIG_MAX_VMS) {
            report(&pc, "vm %s: more than %d VMs",
                   fdt_get_name(blob, node, NULL), CONFIG_MAX_VMS);
            continue;
        }
        vm = &out->vms[out->nr_vms];
        if (parse_vm(blob, node, nr_pcpus, vm, &pc) != 0) {
            continue;
        }
        for (i = 0; i < out->nr_vms; i++) {
            dup = dup || strcmp(out->vms[i].name, vm->name) == 0;
        }
        if (dup) {
            report(&pc, "vm %s: duplicate name", vm->name);
            continue;
        }
        out->nr_vms++;
    }
    return pc.errors;
}
