/* SPDX-License-Identifier: MIT */
/*
 * Tests of kernel/irq.c's routing: a registered interrupt starts on
 * IRQ_HOST_CPU, irq_follow_cpu moves it to the calling CPU only when it
 * is elsewhere, never touches an interrupt without a handler, and
 * dispatch still finds the handler. The arch side is faked here and
 * records what it was asked.
 */
#include "harness.h"

#include <fake/arch.h>
#include <hv/arch.h>
#include <hv/irq.h>

#define SPI 40

static unsigned int enabled_cpu = ~0u;
static unsigned int routes, routed_intid, routed_cpu;
static unsigned int handled;

int arch_irq_enable(unsigned int intid, bool edge, unsigned int cpu)
{
    (void)intid;
    (void)edge;
    enabled_cpu = cpu;
    return 0;
}

void arch_irq_disable(unsigned int intid)
{
    (void)intid;
}

void arch_irq_route(unsigned int intid, unsigned int cpu)
{
    routes++;
    routed_intid = intid;
    routed_cpu = cpu;
}

static void handler(unsigned int intid, void *ctx)
{
    assert_int_equal(intid, SPI);
    assert_ptr_equal(ctx, &handled);
    handled++;
}

static void test_follow(void **state)
{
    (void)state;
    fake_arch_reset();
    irq_follow_cpu(SPI); /* no handler yet: nothing */
    assert_int_equal(routes, 0);
    assert_int_equal(irq_register(SPI, IRQ_TRIGGER_EDGE, handler, &handled), 0);
    assert_int_equal(enabled_cpu, IRQ_HOST_CPU);
    fake_cpu_set_id(IRQ_HOST_CPU);
    irq_follow_cpu(SPI); /* already there */
    assert_int_equal(routes, 0);
    fake_cpu_set_id(2);
    irq_follow_cpu(SPI);
    assert_int_equal(routes, 1);
    assert_int_equal(routed_intid, SPI);
    assert_int_equal(routed_cpu, 2);
    irq_follow_cpu(SPI);
    assert_int_equal(routes, 1);
    fake_cpu_set_id(1);
    irq_follow_cpu(SPI);
    assert_int_equal(routes, 2);
    assert_int_equal(routed_cpu, 1);
    assert_true(irq_dispatch(SPI));
    assert_int_equal(handled, 1);
    irq_unregister(SPI);
    irq_follow_cpu(SPI);
    assert_int_equal(routes, 2);
    /* Registered again, it starts on IRQ_HOST_CPU once more. */
    assert_int_equal(irq_register(SPI, IRQ_TRIGGER_LEVEL, handler, &handled),
                     0);
    irq_follow_cpu(SPI);
    assert_int_equal(routes, 3);
    assert_int_equal(routed_cpu, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follow),
    };

    return cmocka_run_group_tests_name("irq", tests, NULL, NULL);
}
