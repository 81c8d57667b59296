/*
 * le.h - little-endian integers in byte buffers, for the fixed records
 * the services share through files (lib/timestatus.c, lib/gnssstatus.c):
 * explicit byte order, so the layout does not depend on the compiler.
 */
#ifndef TG_LE_H
#define TG_LE_H

#include <stdint.h>

static inline void tg_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void tg_put_le32(uint8_t *p, uint32_t v)
{
	tg_put_le16(p, (uint16_t)v);
	tg_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void tg_put_le64(uint8_t *p, uint64_t v)
{
	tg_put_le32(p, (uint32_t)v);
	tg_put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t tg_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t tg_get_le32(const uint8_t *p)
{
	return tg_get_le16(p) | (uint32_t)tg_get_le16(p + 2) << 16;
}

static inline uint64_t tg_get_le64(const uint8_t *p)
{
	return tg_get_le32(p) | (uint64_t)tg_get_le32(p + 4) << 32;
}

#endif
