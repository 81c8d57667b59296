/*
 * consoled_ipc.h - messages between consoled's roles (lib/ipc.h framing).
 *
 * The web role terminates TLS, parses HTTP (lib/http.c) and serves the
 * static assets itself; it decides nothing else.  Every API request goes
 * to main as CD_MSG_REQ with what main needs to decide it: the session
 * cookie and CSRF header exactly as sent, the Origin/Host/Sec-Fetch-Site
 * headers, the peer address, and the body.  main re-derives everything
 * (session, role, CSRF, origin) from those bytes: a compromised web role
 * can replay what a browser sent it, never forge a session or a role.
 *
 *   web -> main  CD_MSG_REQ        one API request (body up to CD_BODY_MAX)
 *   web -> main  CD_MSG_UPLOAD     a chunk of an upload's body, in order,
 *                                  after a CD_MSG_REQ with CD_REQ_F_UPLOAD
 *                                  (flags: CD_UP_F_LAST on the last chunk;
 *                                  CD_UP_F_ABORT when the client went away)
 *   main -> web  CD_MSG_RESP_HEAD  status, content kind, Set-Cookie value,
 *                                  body length; then
 *   main -> web  CD_MSG_RESP_BODY  the body in chunks (CD_CHUNK_MAX each),
 *                                  the last with CD_RESP_F_END
 *   main -> web  CD_MSG_UPLOAD_ACK flow control: main took chunk `seq`
 *                                  (web sends at most CD_UPLOAD_WINDOW
 *                                  chunks ahead of the last ack)
 *   web -> main  CD_MSG_READY      once, when the web role serves
 *
 * `conn` names the web role's connection slot and `gen` its generation,
 * so a late answer for a closed connection is dropped by web.  Each side
 * receives with its own table (a message in the wrong direction is an
 * unknown type); a rejected message is fatal for the receiver.
 */
#ifndef CONSOLED_IPC_H
#define CONSOLED_IPC_H

#include <stdint.h>

#include "ipc.h"

/* JSON bodies of API requests: a PEM chain and key, or a backup file, JSON-escaped */
#define CD_BODY_MAX     16384
#define CD_STR_(x)      #x
#define CD_STR(x)       CD_STR_(x) /* a limit in a message */
#define CD_CHUNK_MAX    3968  /* bytes per body/upload chunk message */
#define CD_UPLOAD_WINDOW 16   /* upload chunks in flight */
#define CD_PATH_MAX     128   /* decoded path, NUL-terminated */
#define CD_QUERY_MAX    128   /* raw query string */
#define CD_COOKIE_MAX   64    /* tg_session cookie value */
#define CD_CSRF_MAX     64    /* X-CSRF-Token header value */
#define CD_ORIGIN_MAX   128   /* Origin header value */
#define CD_HOST_MAX     128   /* Host header value */
#define CD_ADDR_MAX     48    /* peer address, text */
#define CD_AUTH_MAX     96    /* Authorization header value (metrics token) */
#define CD_SETCOOKIE_MAX 256

enum cd_msg {
	CD_MSG_READY = 1,
	CD_MSG_REQ = 2,
	CD_MSG_UPLOAD = 3,
	CD_MSG_RESP_HEAD = 4,
	CD_MSG_RESP_BODY = 5,
	CD_MSG_UPLOAD_ACK = 6,
};

enum cd_method { CD_GET = 1, CD_HEAD, CD_POST, CD_PUT, CD_DELETE };

/* Sec-Fetch-Site as sent: absent, same-origin, same-site, cross-site, none */
enum cd_fetch_site { CD_FS_ABSENT = 0, CD_FS_SAME_ORIGIN, CD_FS_SAME_SITE, CD_FS_CROSS_SITE, CD_FS_NONE };

#define CD_REQ_F_UPLOAD 1u /* the body follows in CD_MSG_UPLOAD chunks */
#define CD_REQ_F_JSON   2u /* Content-Type: application/json */

struct cd_msg_req {
	uint32_t conn, gen;
	uint32_t method;            /* enum cd_method */
	uint32_t flags;             /* CD_REQ_F_* */
	uint32_t fetch_site;        /* enum cd_fetch_site */
	uint32_t body_len;          /* bytes in body (not an upload) */
	uint64_t content_length;    /* an upload's announced length */
	char path[CD_PATH_MAX];     /* decoded, begins with "/" */
	char query[CD_QUERY_MAX];   /* raw, without "?" */
	char cookie[CD_COOKIE_MAX]; /* tg_session value, "" if none */
	char csrf[CD_CSRF_MAX];     /* X-CSRF-Token, "" if none */
	char origin[CD_ORIGIN_MAX]; /* Origin, "" if none */
	char host[CD_HOST_MAX];     /* Host */
	char addr[CD_ADDR_MAX];     /* peer address */
	char auth[CD_AUTH_MAX];     /* Authorization, "" if none */
	uint8_t body[CD_BODY_MAX];
};

/* one request is one IPC message (lib/ipc.h) */
_Static_assert(sizeof(struct cd_msg_req) <= TG_IPC_PAYLOAD_MAX, "CD_MSG_REQ fits one message");

#define CD_UP_F_LAST  1u
#define CD_UP_F_ABORT 2u

struct cd_msg_upload {
	uint32_t conn, gen;
	uint32_t seq;   /* 0, 1, 2, ... per upload */
	uint32_t flags; /* CD_UP_F_* */
	uint32_t len;
	uint32_t reserved;
	uint8_t data[CD_CHUNK_MAX];
};

struct cd_msg_upload_ack {
	uint32_t conn, gen;
	uint32_t seq;
	uint32_t reserved;
};

/* content kinds main may answer with; web maps them to Content-Type */
enum cd_kind {
	CD_KIND_JSON = 1,    /* application/json */
	CD_KIND_TEXT,        /* text/plain; charset=utf-8 */
	CD_KIND_METRICS,     /* application/openmetrics-text; version=1.0.0; charset=utf-8 */
	CD_KIND_DOWNLOAD,    /* text/plain + Content-Disposition: attachment; filename="<name>" */
};

struct cd_msg_resp_head {
	uint32_t conn, gen;
	uint32_t status;     /* 200..599 */
	uint32_t kind;       /* enum cd_kind */
	uint64_t body_len;   /* total bytes in the CD_MSG_RESP_BODY chunks */
	uint32_t retry_after; /* seconds, 0: no Retry-After header */
	uint32_t reserved;
	char set_cookie[CD_SETCOOKIE_MAX]; /* value after "Set-Cookie: ", "" for none */
	char filename[64];   /* CD_KIND_DOWNLOAD: [A-Za-z0-9._-]+ */
};

#define CD_RESP_F_END 1u

struct cd_msg_resp_body {
	uint32_t conn, gen;
	uint32_t flags; /* CD_RESP_F_END on the last chunk (possibly empty) */
	uint32_t len;
	uint8_t data[CD_CHUNK_MAX];
};

struct cd_msg_ready {
	uint32_t serving;
	uint32_t reserved;
};

/* What main accepts from web. */
static const struct tg_ipc_type cd_to_main_types[] = {
    {CD_MSG_READY, sizeof(struct cd_msg_ready), 0, "CD_MSG_READY"},
    {CD_MSG_REQ, sizeof(struct cd_msg_req), 0, "CD_MSG_REQ"},
    {CD_MSG_UPLOAD, sizeof(struct cd_msg_upload), 0, "CD_MSG_UPLOAD"},
};

/* What web accepts from main. */
static const struct tg_ipc_type cd_to_web_types[] = {
    {CD_MSG_RESP_HEAD, sizeof(struct cd_msg_resp_head), 0, "CD_MSG_RESP_HEAD"},
    {CD_MSG_RESP_BODY, sizeof(struct cd_msg_resp_body), 0, "CD_MSG_RESP_BODY"},
    {CD_MSG_UPLOAD_ACK, sizeof(struct cd_msg_upload_ack), 0, "CD_MSG_UPLOAD_ACK"},
};

#endif
