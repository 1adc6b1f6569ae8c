/* SPDX-License-Identifier: MIT */
/*
 * memcpy/memset for the hypervisor, word at a time when alignment allows.
 * newlib is built size-optimised and with strict alignment (its C
 * fallbacks copy byte by byte), which makes loading a 30 MB guest kernel
 * slow; these definitions come before libc.a on the link line and
 * replace its versions in Shoji only (guests keep newlib's).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    uintptr_t mis = ((uintptr_t)d ^ (uintptr_t)s) & 7;

    /* Bring both to the widest alignment they share, then copy words. */
    if (mis == 0 || mis == 4) {
        uintptr_t mask = mis == 0 ? 7 : 3;

        while (n != 0 && ((uintptr_t)d & mask) != 0) {
            *d++ = *s++;
            n--;
        }
        if (mis == 0) {
            uint64_t *dw = (uint64_t *)(void *)d;
            const uint64_t *sw = (const uint64_t *)(const void *)s;

            for (; n >= 64; n -= 64, dw += 8, sw += 8) {
                dw[0] = sw[0];
                dw[1] = sw[1];
                dw[2] = sw[2];
                dw[3] = sw[3];
                dw[4] = sw[4];
                dw[5] = sw[5];
                dw[6] = sw[6];
                dw[7] = sw[7];
            }
            for (; n >= 8; n -= 8) {
                *dw++ = *sw++;
            }
            d = (unsigned char *)dw;
            s = (const unsigned char *)sw;
        } else {
            uint32_t *dw = (uint32_t *)(void *)d;
            const uint32_t *sw = (const uint32_t *)(const void *)s;

            for (; n >= 32; n -= 32, dw += 8, sw += 8) {
                dw[0] = sw[0];
                dw[1] = sw[1];
                dw[2] = sw[2];
                dw[3] = sw[3];
                dw[4] = sw[4];
                dw[5] = sw[5];
                dw[6] = sw[6];
                dw[7] = sw[7];
            }
            for (; n >= 4; n -= 4) {
                *dw++ = *sw++;
            }
            d = (unsigned char *)dw;
            s = (const unsigned char *)sw;
        }
    }
    while (n-- != 0) {
        *d++ = *s++;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t w = 0x0101010101010101UL * (unsigned char)c;

    while (n != 0 && ((uintptr_t)d & 7) != 0) {
        *d++ = (unsigned char)c;
        n--;
    }
    for (; n >= 64; n -= 64, d += 64) {
        uint64_t *dw = (uint64_t *)(void *)d;

        dw[0] = w;
        dw[1] = w;
        dw[2] = w;
        dw[3] = w;
        dw[4] = w;
        dw[5] = w;
        dw[6] = w;
        dw[7] = w;
    }
    for (; n >= 8; n -= 8, d += 8) {
        *(uint64_t *)(void *)d = w;
    }
    while (n-- != 0) {
        *d++ = (unsigned char)c;
    }
    return dst;
}
