/*
 * crc32.h - CRC-32 (IEEE 802.3, reflected, as zlib and U-Boot compute it).
 * For detecting torn or corrupted records, never for authenticity.
 */
#ifndef TG_CRC32_H
#define TG_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc = tg_crc32(0, buf, len); chain calls by passing the previous result. */
uint32_t tg_crc32(uint32_t crc, const void *buf, size_t len);

#endif
