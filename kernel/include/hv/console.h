/* SPDX-License-Identifier: MIT */
/*
 * The host console: one output device (the PL011 from the host device
 * tree), shared by every CPU. Writes are serialised by a lock so lines from
 * different CPUs never mix; guest output is collected per VM and printed a
 * whole line at a time behind the VM's name.
 */
#pragma once

#include <stddef.h>

struct console_ops {
    void (*putc)(void *ctx, char c);
    void *ctx;
};

/** Installs the output device. Before this, output is dropped. */
void console_register(const struct console_ops *ops);

/** Writes len bytes under the console lock. */
void console_write(const char *buf, size_t len);

struct console_line {
    char buf[256];
    size_t len;
};

/**
 * Appends one byte of guest output to a VM's line buffer and prints the
 * line as "[name] text" on newline or when the buffer fills.
 * Locking: the caller serialises calls for one line buffer (the VM's lock).
 */
void console_guest_putc(struct console_line *line, const char *name, char c);

/** Prints what is buffered for a VM, if anything (e.g. when it stops). */
void console_guest_flush(struct console_line *line, const char *name);
