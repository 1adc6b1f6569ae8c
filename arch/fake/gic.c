/* SPDX-License-Identifier: MIT */
/*
 * Fake host GIC for host tests: the calls the vGIC makes into asm/gic_v3.h
 * are recorded (SGI/PPI active states, deactivations) and the number of
 * list registers is whatever the test set.
 */
#include <asm/gic_v3.h>
#include <fake/arch.h>
#include <string.h>

#define FAKE_GIC_DEFAULT_LRS 4

static struct fake_gic gic = {.nr_lrs = FAKE_GIC_DEFAULT_LRS};

unsigned int gic_nr_lrs(void)
{
    return gic.nr_lrs;
}

void gic_deactivate(unsigned int intid)
{
    gic.deactivates++;
    gic.last_deactivated = intid;
}

bool gic_ppi_active(unsigned int intid)
{
    return intid < 32 && ((gic.ppi_active >> intid) & 1);
}

void gic_ppi_set_active(unsigned int intid, bool active)
{
    gic.set_active_calls++;
    gic.last_set_active = intid;
    if (intid >= 32) {
        return;
    }
    if (active) {
        gic.ppi_active |= 1U << intid;
    } else {
        gic.ppi_active &= ~(1U << intid);
    }
}

void fake_gic_set_nr_lrs(unsigned int n)
{
    gic.nr_lrs = n;
}

struct fake_gic *fake_gic(void)
{
    return &gic;
}

void fake_gic_reset(void)
{
    memset(&gic, 0, sizeof(gic));
    gic.nr_lrs = FAKE_GIC_DEFAULT_LRS;
}
