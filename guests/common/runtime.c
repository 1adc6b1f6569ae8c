/* SPDX-License-Identifier: MIT */
/*
 * Newlib system calls for a bare-metal guest: stdout/stderr go to the
 * PL011, the heap is the linker script's .heap region, exit is SHUTDOWN.
 * Everything else is a trivial stub (no files, one process).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "hvc.h"
#include "runtime.h"
#include "uart.h"

/* Newlib calls these by name; no header declares them for us. */
int _write(int fd, const char *buf, int len);
int _read(int fd, char *buf, int len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int off, int whence);
int _kill(int pid, int sig);
int _getpid(void);
void *_sbrk(ptrdiff_t incr);
_Noreturn void _exit(int code);

extern char __heap_start[];
extern char __heap_end[];

static char *runtime_brk = __heap_start;

void runtime_init(void *dtb)
{
    (void)dtb;
    /* Line buffering keeps whole lines together on the console. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
}

_Noreturn void runtime_exit(int code)
{
    fflush(stdout);
    fflush(stderr);
    hvc_shutdown(code);
}

int _write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    if (len > 0) {
        uart_write(buf, (size_t)len);
    }
    return len;
}

int _read(int fd, char *buf, int len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return 0;
}

int _close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _lseek(int fd, int off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    return 0;
}

int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

int _getpid(void)
{
    return 1;
}

void *_sbrk(ptrdiff_t incr)
{
    char *old = runtime_brk;

    if (incr < 0 ? (size_t)-incr > (size_t)(old - __heap_start)
                 : (size_t)incr > (size_t)(__heap_end - old)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    runtime_brk = old + incr;
    return old;
}

_Noreturn void _exit(int code)
{
    hvc_shutdown(code);
}
