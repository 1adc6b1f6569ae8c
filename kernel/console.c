/* SPDX-License-Identifier: MIT */
/*
 * The host console: see hv/console.h. Line feeds are sent as CR LF.
 */
#include <hv/console.h>
#include <hv/spinlock.h>
#include <string.h>

static struct console_ops console_dev;
static struct spinlock console_lock = SPINLOCK_INIT;

void console_register(const struct console_ops *ops)
{
    console_dev = *ops;
}

static void put_raw(char c)
{
    if (console_dev.putc == NULL) {
        return;
    }
    if (c == '\n') {
        console_dev.putc(console_dev.ctx, '\r');
    }
    console_dev.putc(console_dev.ctx, c);
}

void console_write(const char *buf, size_t len)
{
    size_t i;

    spin_lock(&console_lock);
    for (i = 0; i < len; i++) {
        put_raw(buf[i]);
    }
    spin_unlock(&console_lock);
}

static void emit_line(struct console_line *line, const char *name)
{
    size_t i;

    spin_lock(&console_lock);
    put_raw('[');
    for (i = 0; name[i] != '\0'; i++) {
        put_raw(name[i]);
    }
    put_raw(']');
    put_raw(' ');
    for (i = 0; i < line->len; i++) {
        put_raw(line->buf[i]);
    }
    put_raw('\n');
    spin_unlock(&console_lock);
    line->len = 0;
}

void console_guest_putc(struct console_line *line, const char *name, char c)
{
    if (c == '\r') {
        return;
    }
    if (c == '\n') {
        emit_line(line, name);
        return;
    }
    /* Keep the console readable: show control bytes as '.'. */
    if (((unsigned char)c < 0x20 && c != '\t') || c == 0x7f) {
        c = '.';
    }
    line->buf[line->len++] = c;
    if (line->len == sizeof(line->buf)) {
        emit_line(line, name);
    }
}

void console_guest_flush(struct console_line *line, const char *name)
{
    if (line->len != 0) {
        emit_line(line, name);
    }
}
