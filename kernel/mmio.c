/* SPDX-License-Identifier: MIT */
/* Dispatch of trapped guest MMIO accesses to emulated devices. */
#include <hv/errno.h>
#include <hv/mmio.h>

int mmio_add(struct mmio_map *map, const struct mmio_region *r)
{
    unsigned int i;

    if (r->size == 0 || r->base + r->size < r->base) {
        return -HV_EINVAL;
    }
    for (i = 0; i < map->nr; i++) {
        const struct mmio_region *o = &map->regions[i];

        if (r->base < o->base + o->size && o->base < r->base + r->size) {
            return -HV_EEXIST;
        }
    }
    if (map->nr == VM_MAX_MMIO_REGIONS) {
        return -HV_ENOSPC;
    }
    map->regions[map->nr++] = *r;
    return 0;
}

const struct mmio_region *mmio_find(const struct mmio_map *map, uint64_t ipa,
                                    unsigned int size)
{
    unsigned int i;

    for (i = 0; i < map->nr; i++) {
        const struct mmio_region *r = &map->regions[i];

        if (ipa >= r->base && ipa - r->base < r->size &&
            size <= r->size - (ipa - r->base)) {
            return r;
        }
    }
    return NULL;
}

int mmio_access(const struct mmio_map *map, struct vcpu *v, uint64_t ipa,
                unsigned int size, bool write, uint64_t *val)
{
    const struct mmio_region *r = mmio_find(map, ipa, size);

    if (r == NULL) {
        return -HV_EFAULT;
    }
    if (write) {
        return r->write != NULL ? r->write(r->dev, v, ipa - r->base, size, *val)
                                : -HV_EFAULT;
    }
    *val = 0;
    return r->read != NULL ? r->read(r->dev, v, ipa - r->base, size, val)
                           : -HV_EFAULT;
}
