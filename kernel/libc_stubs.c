/* SPDX-License-Identifier: MIT */
/*
 * The few system hooks newlib's libc wants. Shoji has no heap through
 * malloc (objects come from kzalloc and the page allocator), no files and
 * no processes; console output goes through printk, not stdio streams.
 */
#include <errno.h>
#include <hv/console.h>
#include <hv/printk.h>
#include <sys/stat.h>

void *_sbrk(ptrdiff_t incr);
int _write(int fd, const void *buf, size_t len);
int _read(int fd, void *buf, size_t len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
long _lseek(int fd, long off, int whence);
void _exit(int code);
int _kill(int pid, int sig);
int _getpid(void);

void *_sbrk(ptrdiff_t incr)
{
    errno = ENOMEM;
    return (void *)-1;
}

int _write(int fd, const void *buf, size_t len)
{
    console_write(buf, len);
    return (int)len;
}

int _read(int fd, void *buf, size_t len)
{
    return 0;
}

int _close(int fd)
{
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd)
{
    return 1;
}

long _lseek(int fd, long off, int whence)
{
    return 0;
}

void _exit(int code)
{
    panic("libc exit(%d)", code);
}

int _kill(int pid, int sig)
{
    panic("libc abort (signal %d)", sig);
}

int _getpid(void)
{
    return 1;
}
