/* SPDX-License-Identifier: MIT */
/*
 * Fake system registers for host tests: a small register file keyed by
 * name, filled on first use. Reads return the last value written or set
 * (0 at first); writes are counted so tests can tell "not written" from
 * "written with the same value".
 */
#include <fake/arch.h>
#include <hv/printk.h>
#include <string.h>

#define FAKE_NR_SYSREGS 64
#define FAKE_SYSREG_NAME_MAX 32

struct fake_sysreg {
    char name[FAKE_SYSREG_NAME_MAX];
    uint64_t val;
    unsigned int writes;
};

static struct fake_sysreg regs[FAKE_NR_SYSREGS];
static unsigned int nr_regs;

static struct fake_sysreg *sysreg_find(const char *name)
{
    unsigned int i;

    for (i = 0; i < nr_regs; i++) {
        if (strcmp(regs[i].name, name) == 0) {
            return &regs[i];
        }
    }
    if (nr_regs == FAKE_NR_SYSREGS || strlen(name) >= FAKE_SYSREG_NAME_MAX) {
        panic("fake sysreg: no room for %s", name);
    }
    strcpy(regs[nr_regs].name, name);
    return &regs[nr_regs++];
}

uint64_t fake_sysreg_read(const char *name)
{
    return sysreg_find(name)->val;
}

void fake_sysreg_write(const char *name, uint64_t val)
{
    struct fake_sysreg *r = sysreg_find(name);

    r->val = val;
    r->writes++;
}

void fake_sysreg_set(const char *name, uint64_t val)
{
    sysreg_find(name)->val = val;
}

unsigned int fake_sysreg_writes(const char *name)
{
    return sysreg_find(name)->writes;
}

void fake_sysreg_reset(void)
{
    memset(regs, 0, sizeof(regs));
    nr_regs = 0;
}
