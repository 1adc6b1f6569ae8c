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

/*
 * Copies words of type T from *s to *d while at least one is left,
 * eight at a time first; advances d, s and n past what it copied. Both
 * pointers must be aligned for T.
 */
#define COPY_WORDS(T, d, s, n)                                                 \
    do {                                                                       \
        T *dw_ = (T *)(void *)(d);                                             \
        const T *sw_ = (const T *)(const void *)(s);                           \
                                                                               \
        for (; (n) >= 8 * sizeof(T); (n) -= 8 * sizeof(T)) {                   \
            dw_[0] = sw_[0];                                                   \
            dw_[1] = sw_[1];                                                   \
            dw_[2] = sw_[2];                                                   \
            dw_[3] = sw_[3];                                                   \
            dw_[4] = sw_[4];                                                   \
            dw_[5] = sw_[5];                                                   \
            dw_[6] = sw_[6];                                                   \
            dw_[7] = sw_[7];                                                   \
            dw_ += 8;                                                          \
            sw_ += 8;                                                          \
        }                                                                      \
        for (; (n) >= sizeof(T); (n) -= sizeof(T)) {                           \
            *dw_++ = *sw_++;                                                   \
        }                                                                      \
        (d) = (unsigned char *)dw_;                                            \
        (s) = (const unsigned char *)sw_;                                      \
    } while (0)

/*
 * For a destination aligned to 8 and a source that is not: each
 * destination word is built from the two aligned source words it
 * straddles (little-endian shifts), so every access is an aligned 64-bit
 * one (the build forbids unaligned accesses). The second word of each pair
 * holds the last byte the destination word needs; its other bytes, which
 * may lie past the source's end, share that aligned word, hence its page,
 * and are never used. Advances d, s and n past the words copied.
 */
static void copy_shifted(unsigned char **d, const unsigned char **s, size_t *n)
{
    unsigned int off = (unsigned int)((uintptr_t)*s & 7); /* 1..7 */
    unsigned int rs = 8 * off;
    unsigned int ls = 64 - rs;
    const uint64_t *sw = (const uint64_t *)(const void *)(*s - off);
    uint64_t *dw = (uint64_t *)(void *)*d;
    uint64_t cur = *sw++;
    size_t words = *n / 8;
    size_t i;

    for (i = 0; i < words; i++) {
        uint64_t next = *sw++;

        dw[i] = cur >> rs | next << ls;
        cur = next;
    }
    *d += 8 * words;
    *s += 8 * words;
    *n -= 8 * words;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    uintptr_t mis = ((uintptr_t)d ^ (uintptr_t)s) & 7;

    /* Bring the destination to 8-byte alignment, then copy words: plain
     * ones when the source shares it, shifted ones otherwise. */
    while (n != 0 && ((uintptr_t)d & 7) != 0) {
        *d++ = *s++;
        n--;
    }
    if (mis == 0) {
        COPY_WORDS(uint64_t, d, s, n);
    } else if (n >= 16) {
        copy_shifted(&d, &s, &n);
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
