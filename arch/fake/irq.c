/* SPDX-License-Identifier: MIT */
/*
 * Fake virtual interrupt lines for host tests: arch_vm_set_irq_line() only
 * records its last call, for device-model tests to check.
 */
#include <fake/arch.h>
#include <hv/arch.h>
#include <string.h>

static struct fake_irq_line last_line;

void arch_vm_set_irq_line(struct vm *vm, unsigned int spi, bool level)
{
    last_line.vm = vm;
    last_line.spi = spi;
    last_line.level = level;
    last_line.calls++;
}

const struct fake_irq_line *fake_irq_line(void)
{
    return &last_line;
}

void fake_irq_reset(void)
{
    memset(&last_line, 0, sizeof(last_line));
}
