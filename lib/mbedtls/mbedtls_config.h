/* SPDX-License-Identifier: MIT */
/*
 * mbedtls 3.6 configuration for Shoji: crypto primitives only, bare metal.
 *
 * Used for the aarch64 build of libmbedcrypto.a by scripts/setup and
 * installed as <mbedtls_config.h> and <mbedtls/mbedtls_config.h> in the
 * sysroot. Storage mediation needs AES-XTS (dm-crypt/LUKS), the LUKS key
 * derivation (PBKDF2 over SHA-1/SHA-256/SHA-512) and the AF splitter hashes;
 * network mediation needs AES-GCM (ESP, RFC 4106) and HKDF/HMAC for keys.
 * No TLS, no X.509, no PSA crypto, no OS services.
 */
#pragma once

/* System support: no OS, no clock, no file system, no entropy source. */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED

/* AES, with the ARMv8 crypto extensions (built with +crypto). */
#define MBEDTLS_AES_C
#define MBEDTLS_AESCE_C

/* Cipher layer and modes. */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_XTS
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_GCM_C

/* Hashes: SHA-1 only for LUKS1 compatibility. */
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C

/* HMAC through the message-digest layer; key derivation. */
#define MBEDTLS_MD_C
#define MBEDTLS_PKCS5_C
#define MBEDTLS_HKDF_C
