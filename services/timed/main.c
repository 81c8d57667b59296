/*
 * main.c - timed's main role: the GNSS receiver's NMEA and PPS in, the
 * clock status out.
 *
 * Start-up, in order: read timed.conf; load the leap tables (image and
 * /data, the newer wins); read the date floor; open the serial port and
 * the PPS device; open the refclock outputs; fork the clock role
 * (clock.c, keeps CAP_SYS_TIME) when steering and the xcheck role
 * (xcheck.c, network only) when upstream servers are configured; then
 * drop every capability and enter main's seccomp sandbox (no network, no
 * capability; files: the serial device, the status files, the date floor).
 *
 * Events (one poll loop): serial bytes -> NMEA reader -> epochs (a quiet
 * gap of QUIET_NS ends an epoch's burst); a PPS fetch every 100 ms; the
 * clock role's answers; cross-check samples; a 1 s tick that runs the
 * state machine and writes the status file.  engine.c decides; this file
 * only moves data and carries the decisions out.
 *
 * Exit status: 0 on SIGTERM/SIGINT, or -n found the configuration valid;
 * 100 usage or configuration error; 111 system call failure or a role
 * died (the supervisor restarts timed).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "evloop.h"
#include "fileio.h"
#include "gnssstatus.h"
#include "ipc.h"
#include "leap.h"
#include "log.h"
#include "nmea.h"
#include "pps.h"
#include "refout.h"
#include "sandbox.h"
#include "timed.h"
#include "timed_int.h"
#include "timestatus.h"

#define NS 1000000000LL
#define TICK_NS NS
#define PPS_POLL_NS 100000000LL /* fetch the PPS 10 times a second */
#define QUIET_NS 150000000LL     /* a gap that ends an NMEA burst */
#define REOPEN_NS (2 * NS)       /* retry a lost serial device */
#define FLOOR_SAVE_NS (3600 * NS) /* last good time saved hourly while locked */
/*
 * Dates before this are not believed (the floor for 2-digit years and
 * GPS week rollovers, with the last good time saved on /data): the
 * software's release date.  Not the RTC: a wrong RTC ahead of the true
 * date would move correct receiver dates forward by 1024 weeks.
 */
/* PPS_FETCH's ioctl number, as pps.c uses it: the one PPS request main keeps */
#define TG_PPS_IOC_FETCH_NR _IOWR('p', 0xa4, void *)
#define TIMED_DATE_FLOOR_S 1767225600LL /* 2026-01-01 */

struct child {
	const char *name;
	pid_t pid;
	int ipc_fd;
	uint32_t seq;
};

static struct {
	struct timed_conf c;
	const char *conf_path;
	const char *drop_user;
	struct tg_loop loop;
	struct engine eng;
	struct tg_leap_table leap_img, leap_data;
	const struct tg_leap_table *leap;
	/* serial */
	int serial_fd;
	struct tg_nmea_reader rd;
	struct tg_nmea_agg agg;
	int burst_open;               /* an epoch's first line was read */
	int64_t burst_real, burst_mono; /* when its first bytes were read */
	uint64_t quiet_timer;
	int64_t last_serial_mono;
	uint64_t n_nmea_errors;
	int device_is_socket;        /* device names a Unix socket (known at start) */
	/*
	 * A port whose other side is absent (a virtio port with nobody on
	 * the host) opens and ends at once, every REOPEN_NS: said once, then
	 * quietly until bytes come again.
	 */
	int serial_quiet;
	/* pps */
	int have_pps;
	struct tg_pps pps;
	uint64_t n_pulses, n_missed;
	/* the last epoch, for the GNSS detail record */
	int have_last_ep;
	struct tg_nmea_epoch last_ep;
	/* outputs */
	int have_shm, have_sock;
	struct tg_refout_shm shm;
	struct tg_refout_sock sock;
	/* roles */
	struct child clock, xcheck;
	/* the cross-check results file: each upstream's last sample */
	struct timed_msg_xsample xlast[TIMED_XCHECK_MAX];
	int xhave[TIMED_XCHECK_MAX];
	int xfile_dirty;             /* a sample since the last write */
	int64_t xfile_written_mono;  /* 0: never written */
	int notify_fd;
	int64_t floor_s;
	int64_t floor_saved_mono;
	int last_state_logged;
} m;

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: timed [-d] [-n] [-S] [-f FILE]\n"
		   "  -d       debug messages\n"
		   "  -n       check the configuration (and leap tables) and exit\n"
		   "  -S       print each process role's sandbox and exit\n"
		   "  -f FILE  configuration (default " TIMED_CONF_PATH ")\n");
}

/* ------------------------------------------------------------- outputs */

static void carry_out(struct engine_out *o)
{
	int i;

	for (i = 0; i < o->n_log; i++)
		tg_log(o->log_level[i], "%s", o->log[i]);
	for (i = 0; i < o->n_adj; i++) {
		/* only a steering engine asks (steer no: no clock role, no requests) */
		int r = tg_ipc_send(m.clock.ipc_fd, TIMED_MSG_ADJ, ++m.clock.seq, &o->adj[i],
				sizeof(o->adj[i]), -1);
		if (r != TG_IPC_OK)
			tg_fatalx(TG_EXIT_SYS, "sending to the clock role: %s (errno %s)",
				  tg_ipc_strerror(r), strerror(errno));
	}
	if (o->sample && m.have_shm)
		tg_refout_shm_put(&m.shm, o->sample_real_ns + o->sample_offset_ns, o->sample_real_ns,
				  m.eng.leap_now, -20);
	if (o->sample && m.have_sock)
		/* pulse 0: each sample carries its whole second (chrony's "pulse" is phase only) */
		(void)tg_refout_sock_put(&m.sock, o->sample_real_ns, o->sample_offset_ns, 0,
					 m.eng.leap_now);
	memset(o, 0, sizeof(*o));
}

static void write_status(void)
{
	struct tg_timestatus st;

	engine_status(&m.eng, now_ns(CLOCK_REALTIME), now_ns(CLOCK_MONOTONIC), &st);
	if (tg_timestatus_write(m.c.status_path, &st) < 0)
		tg_err("%s: %s", m.c.status_path, strerror(errno));
}

/* The GNSS details the status file does not carry, for the console. */
static void write_gnss(void)
{
	static struct tg_gnssstatus g;
	const struct tg_nmea_epoch *ep = &m.last_ep;
	const struct engine *e = &m.eng;
	int64_t real = now_ns(CLOCK_REALTIME), mono = now_ns(CLOCK_MONOTONIC);
	int i;

	if (!m.c.gnss_path[0])
		return;
	memset(&g, 0, sizeof(g));
	g.updated_realtime_ns = real;
	g.updated_monotonic_ns = mono;
	if (m.have_last_ep) {
		g.fix_mode = (uint8_t)(ep->mode >= 0 && ep->mode <= 3 ? ep->mode : 0);
		g.time_valid = ep->valid && !ep->date_default;
		g.have_pos = ep->have_pos != 0;
		if (ep->have_pos) {
			g.lat_e7 = (int32_t)(ep->lat * 1e7);
			g.lon_e7 = (int32_t)(ep->lon * 1e7);
			g.alt_mm = ep->have_alt ? (int32_t)(ep->alt * 1000) : 0;
		}
		g.last_fix_utc_s = ep->have_utc ? ep->utc_s : 0;
		for (i = 0; i < ep->n_sats && i < TG_GNSSSTATUS_SATS_MAX; i++) {
			const struct tg_nmea_sat *s = &ep->sats[i];
			struct tg_gnssstatus_sat *o = &g.sats[i];

			o->gnss = s->gnss;
			o->used = s->used != 0;
			o->svid = s->svid;
			o->elevation = (int8_t)(s->have_el && s->el >= -90 && s->el <= 90 ? s->el : -128);
			o->azimuth = (int16_t)(s->have_az && s->az >= 0 && s->az < 360 ? s->az : -1);
			o->snr = (int8_t)(s->have_ss && s->ss >= 0 && s->ss < 128 ? s->ss : -1);
			g.n_used += o->used;
		}
		g.n_sats = (uint8_t)i;
	}
	g.site_known = e->site_known != 0;
	if (e->site_known) {
		g.site_surveyed = !m.c.have_site;
		g.site_lat_e7 = (int32_t)(e->site_lat * 1e7);
		g.site_lon_e7 = (int32_t)(e->site_lon * 1e7);
		g.site_alt_mm = (int32_t)(e->site_alt * 1000);
		g.site_distance_m = (uint32_t)(e->last_distance_m < 4e9 ? e->last_distance_m : 4e9);
	}
	g.pps_pulses = m.n_pulses;
	g.pps_missed = m.n_missed;
	g.pps_unpaired = e->n_unpaired;
	g.pps_offset_ns = e->last_offset_ns;
	g.nmea_sentences = m.rd.n_lines;
	g.nmea_errors = m.rd.n_bad_checksum + m.rd.n_overlong + m.rd.n_cut + m.n_nmea_errors;
	g.refused = e->n_refused;
	if (e->last_refusal[0]) {
		snprintf(g.refusal, sizeof(g.refusal), "%s", e->last_refusal);
		g.refusal_realtime_ns = real - (mono - e->last_refusal_mono);
	}
	if (tg_gnssstatus_write(m.c.gnss_path, &g) < 0)
		tg_err("%s: %s", m.c.gnss_path, strerror(errno));
}

/*
 * The cross-check results, when a sample came since the last write and
 * not more often than once a second (the xcheck role may answer for
 * every upstream at once; tick_cb writes what waited).
 */
static void write_xcheck(int64_t now_mono)
{
	static struct tg_xcheck st;

	if (!m.c.xcheck_path[0] || !m.xfile_dirty ||
	    (m.xfile_written_mono && now_mono - m.xfile_written_mono < NS))
		return;
	m.xfile_dirty = 0;
	m.xfile_written_mono = now_mono;
	timed_xfile_fill(&m.c, m.xlast, m.xhave, now_mono, &st);
	if (timed_xfile_write(m.c.xcheck_path, &st) < 0)
		tg_err("%s: %s", m.c.xcheck_path, strerror(errno));
}

/* The last good time, so that a later start refuses older dates. */
static void save_floor(int64_t now_mono)
{
	char buf[32];
	int n;

	if (!m.c.date_floor_path[0] || m.eng.state != TG_CLOCK_LOCKED ||
	    (m.floor_saved_mono && now_mono - m.floor_saved_mono < FLOOR_SAVE_NS))
		return;
	m.floor_saved_mono = now_mono;
	n = snprintf(buf, sizeof(buf), "%lld\n", (long long)(now_ns(CLOCK_REALTIME) / NS));
	if (tg_write_file_atomic(m.c.date_floor_path, buf, (size_t)n, 0644) < 0)
		tg_warn("%s: %s (the date floor is not saved)", m.c.date_floor_path,
			strerror(errno));
}

/* ------------------------------------------------------------- serial */

static speed_t baud_code(uint32_t b)
{
	switch (b) {
	case 4800: return B4800;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	case 460800: return B460800;
	case 921600: return B921600;
	default: return B9600;
	}
}

static void serial_cb(struct tg_loop *l, int fd, short revents, void *arg);

/*
 * A stream socket that serves NMEA (a site keeping gpsd: `gpspipe -r`
 * behind socat, or any relay); -1 with errno.  A FIFO needs nothing
 * special: openat(O_RDWR) opens it.
 */
static int unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int serial_open(void)
{
	struct termios t;
	int fd;

	/* openat: the sandbox allows it with exactly these flags */
	fd = openat(AT_FDCWD, m.c.device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENXIO && m.device_is_socket)
		fd = unix_connect(m.c.device); /* NMEA from a program's Unix socket */
	if (fd < 0)
		return -1;
	/* a terminal gets raw 8 bits at the configured rate; a pipe or socket is taken as is */
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetispeed(&t, baud_code(m.c.baud));
		cfsetospeed(&t, baud_code(m.c.baud));
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= ~(tcflag_t)(PARENB | PARODD | CSTOPB);
		if (m.c.parity == 'e')
			t.c_cflag |= PARENB;
		else if (m.c.parity == 'o')
			t.c_cflag |= PARENB | PARODD;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(fd, TCSANOW, &t) < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
	}
	if (tg_loop_add_fd(&m.loop, fd, POLLIN, serial_cb, NULL) < 0) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	m.serial_fd = fd;
	m.last_serial_mono = now_ns(CLOCK_MONOTONIC);
	return 0;
}

static void reopen_cb(struct tg_loop *l, void *arg)
{
	static int last_errno;

	(void)arg;
	if (serial_open() == 0) {
		if (m.serial_quiet < 2)
			tg_info("%s: open again", m.c.device);
		else
			tg_debug("%s: open again", m.c.device);
		m.serial_quiet = 2;
		last_errno = 0;
		return;
	}
	if (errno != last_errno) /* each new reason once */
		tg_warn("%s: %s; still retrying", m.c.device, strerror(errno));
	last_errno = errno;
	if (!tg_loop_add_timer(l, REOPEN_NS, reopen_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

static void serial_lost(const char *why)
{
	if (!m.serial_quiet) {
		tg_warn("%s: %s; reopening every %lld s", m.c.device, why, REOPEN_NS / NS);
		m.serial_quiet = 1;
	} else {
		tg_debug("%s: %s", m.c.device, why);
	}
	tg_loop_del_fd(&m.loop, m.serial_fd);
	close(m.serial_fd);
	m.serial_fd = -1;
	tg_nmea_reader_init(&m.rd);
	if (!tg_loop_add_timer(&m.loop, REOPEN_NS, reopen_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

static void epoch_done(const struct tg_nmea_epoch *ep, int64_t real, int64_t mono)
{
	struct engine_epoch e;
	struct engine_out out;

	memset(&e, 0, sizeof(e));
	memset(&out, 0, sizeof(out));
	e.arrival_real_ns = real;
	e.arrival_mono_ns = mono;
	e.now_mono_ns = now_ns(CLOCK_MONOTONIC);
	e.have_time = ep->have_utc && !ep->date_default;
	e.utc_s = ep->utc_s;
	e.frac_ns = ep->utc_ns;
	e.valid = ep->valid && !ep->date_default;
	e.mode = ep->mode;
	e.have_pos = ep->have_pos && ep->have_alt;
	e.lat = ep->lat;
	e.lon = ep->lon;
	e.alt = ep->alt;
	e.sats_used = ep->n_used;
	if (ep->have_leap) {
		e.leap_known = 1;
		e.gps_utc_s = ep->leap_current;
		e.gps_utc_next_s = ep->have_leap_next && ep->leap_event_s ? ep->leap_next
									   : ep->leap_current;
		/* the midnight at or after the event: receivers name the leap second
		 * itself (23:59:59/60) or the moment after it; leap.c wants the latter */
		e.leap_when_s = ep->leap_event_s % 86400
				    ? (ep->leap_event_s / 86400 + 1) * 86400
				    : ep->leap_event_s;
	}
	m.last_ep = *ep;
	m.have_last_ep = 1;
	tg_debug("epoch %lld.%09d valid %d mode %d sats %d (arrived %+.3f s into the second)",
		 (long long)e.utc_s, e.frac_ns, e.valid, e.mode, e.sats_used,
		 (double)(real % NS) / NS);
	engine_epoch(&m.eng, &e, &out);
	carry_out(&out);
}

static void quiet_cb(struct tg_loop *l, void *arg)
{
	struct tg_nmea_epoch done;

	(void)l;
	(void)arg;
	m.quiet_timer = 0;
	if (tg_nmea_epoch_flush(&m.agg, &done) == 1 && m.burst_open)
		epoch_done(&done, m.burst_real, m.burst_mono);
	m.burst_open = 0;
}

static void serial_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	static struct tg_nmea_epoch done;
	uint8_t buf[1024];
	char line[TG_NMEA_LINE_MAX + 1], err[160];
	int64_t real = now_ns(CLOCK_REALTIME), mono = now_ns(CLOCK_MONOTONIC);
	size_t off = 0, used, ll;
	enum tg_nmea_cksum ck;
	ssize_t n;

	(void)revents;
	(void)arg;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		serial_lost(n == 0 ? "end of file (receiver unplugged?)" : strerror(errno));
		return;
	}
	m.last_serial_mono = mono;
	if (m.serial_quiet) {
		if (m.serial_quiet == 2)
			tg_info("%s: receiving again", m.c.device);
		m.serial_quiet = 0;
	}
	while (off < (size_t)n &&
	       tg_nmea_reader_next(&m.rd, buf + off, (size_t)n - off, &used, line, sizeof(line), &ll,
				   &ck) == 1) {
		off += used;
		if (!m.burst_open) {
			m.burst_open = 1;
			m.burst_real = real;
			m.burst_mono = mono;
		}
		if (tg_nmea_epoch_line(&m.agg, line, ll, ck, &done, err, sizeof(err)) == 1) {
			/* this line starts a new epoch: the previous one ended without a gap */
			epoch_done(&done, m.burst_real, m.burst_mono);
			m.burst_real = real;
			m.burst_mono = mono;
		} else if (err[0] && ++m.n_nmea_errors <= 20) {
			tg_debug("NMEA: %s", err);
		}
		err[0] = '\0';
	}
	if (m.quiet_timer)
		tg_loop_cancel_timer(l, m.quiet_timer);
	m.quiet_timer = tg_loop_add_timer(l, QUIET_NS, quiet_cb, NULL);
}

/* ---------------------------------------------------------------- pps */

static void pps_cb(struct tg_loop *l, void *arg)
{
	struct tg_pps_pulse p;
	struct engine_pulse ep;
	struct engine_out out;
	char err[160];
	int r;

	(void)arg;
	r = tg_pps_fetch(&m.pps, &p, err, sizeof(err));
	if (r < 0)
		tg_fatalx(TG_EXIT_SYS, "PPS %s: %s", m.c.pps, err);
	if (r == 1) {
		memset(&out, 0, sizeof(out));
		int64_t real = now_ns(CLOCK_REALTIME);

		ep.now_mono_ns = now_ns(CLOCK_MONOTONIC);
		ep.ts_real_ns = p.ts_ns;
		/* the pulse's instant on the monotonic clock: as long ago as the stamp is */
		ep.mono_ns = ep.now_mono_ns - (real > p.ts_ns ? real - p.ts_ns : 0);
		ep.missed = p.missed;
		m.n_pulses++;
		m.n_missed += p.missed;
		engine_pulse(&m.eng, &ep, &out);
		carry_out(&out);
	}
	if (!tg_loop_add_timer(l, PPS_POLL_NS, pps_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

/* --------------------------------------------------------------- tick */

static void tick_cb(struct tg_loop *l, void *arg)
{
	struct engine_out out;
	int64_t mono = now_ns(CLOCK_MONOTONIC);

	(void)arg;
	memset(&out, 0, sizeof(out));
	engine_tick(&m.eng, mono, now_ns(CLOCK_REALTIME), &out);
	carry_out(&out);
	write_status();
	write_gnss();
	write_xcheck(mono);
	save_floor(mono);
	if (m.serial_fd >= 0 && mono - m.last_serial_mono > 10 * NS && !m.serial_quiet) {
		tg_warn("%s: no data for 10 s", m.c.device);
		m.serial_quiet = 2; /* until bytes come again */
	}
	if (!tg_loop_add_timer(l, TICK_NS, tick_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

/* -------------------------------------------------------------- roles */

/* A message from the clock role (an answer) or the xcheck role (a sample). */
static void role_ipc_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct child *c = arg;
	int is_clock = c == &m.clock;
	union {
		struct timed_msg_adj_done done;
		struct timed_msg_xsample x;
	} u;
	struct tg_ipc_hdr h;
	const struct tg_ipc_type *t;
	struct engine_out out;
	int r;

	(void)l;
	(void)revents;
	/* each side its own table: a message in the wrong direction is an unknown type */
	r = tg_ipc_recv(fd, &h, &u, sizeof(u), is_clock ? timed_from_clock_types : timed_from_xcheck_types,
			1, &t, NULL);
	if (r == TG_IPC_EAGAIN || (r == TG_IPC_ESYS && errno == EINTR))
		return;
	if (r == TG_IPC_EOF || r == TG_IPC_ESYS)
		tg_role_died(c->name, c->pid);
	if (r != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "invalid message from the %s role: %s", c->name,
			  tg_ipc_strerror(r));
	memset(&out, 0, sizeof(out));
	if (is_clock) {
		engine_adj_done(&m.eng, &u.done, now_ns(CLOCK_MONOTONIC), &out);
	} else {
		u.x.err[sizeof(u.x.err) - 1] = '\0';
		engine_xsample(&m.eng, &u.x, &out);
		if (u.x.index < (uint32_t)m.c.n_upstream) {
			m.xlast[u.x.index] = u.x;
			m.xhave[u.x.index] = 1;
			m.xfile_dirty = 1;
			write_xcheck(now_ns(CLOCK_MONOTONIC));
		}
	}
	carry_out(&out);
}

static void start_role(struct child *c, const char *name)
{
	int sv[2];

	c->name = name;
	if (tg_ipc_pair(sv) < 0)
		tg_fatal("socketpair");
	c->pid = fork();
	if (c->pid < 0)
		tg_fatal("fork (%s role)", name);
	if (c->pid == 0) {
		close(sv[0]);
		if (m.notify_fd >= 0)
			close(m.notify_fd);
		if (m.serial_fd >= 0)
			close(m.serial_fd);
		if (m.have_pps)
			tg_pps_close(&m.pps);
		if (m.clock.ipc_fd >= 0)
			close(m.clock.ipc_fd);
		if (strcmp(name, "clock") == 0)
			exit(timed_clock_role(sv[1], m.drop_user));
		exit(timed_xcheck_role(sv[1], &m.c));
	}
	c->ipc_fd = sv[0];
	close(sv[1]);
	if (fcntl(c->ipc_fd, F_SETFL, O_NONBLOCK) < 0)
		tg_fatal("fcntl(O_NONBLOCK) on the IPC socket");
}

static void stop_cb(struct tg_loop *l, int signo, void *arg)
{
	(void)arg;
	tg_info("signal %d: stopping", signo);
	tg_loop_stop(l);
}

/* ------------------------------------------------------------- sandbox */

/*
 * main's whole allow-list.  Always added by tg_sandbox_enter: exit,
 * exit_group, write, writev, rt_sigreturn, restart_syscall,
 * kill(self, SIGSYS).  No socket, connect or bind: main has no network.
 */
static void main_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			 int pps_fd, int clock_ipc, pid_t clock_pid, int x_ipc, pid_t x_pid,
			 int sock_fd, int nmea_socket, const char *drop_user)
{
	struct tg_syscall_table tb;
	/* O_TMPFILE's own bit only: its O_DIRECTORY part is what fsync of a folder uses */
	const uint64_t mask =
	    O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_EXCL | (O_TMPFILE & ~O_DIRECTORY);

	tg_sc_table_init(&tb, rules, cap);
	/* the serial device, reopened after an unplug (where: Landlock's business) */
	TG_SC_ADD(&tb, TG_SC_MASKED1("openat", 2, mask, O_RDWR));
	/* status files and the date floor: new temporary files (mkostemp), renamed */
	TG_SC_ADD(&tb, TG_SC_MASKED1("openat", 2, mask, O_RDWR | O_CREAT | O_EXCL));
	TG_SC_ADD(&tb, TG_SC_MASKED1("openat", 2, mask, O_RDONLY)); /* fsync of the folder */
#ifdef SYS_open
	TG_SC_ADD(&tb, TG_SC_MASKED1("open", 1, mask, O_RDWR | O_CREAT | O_EXCL));
	TG_SC_ADD(&tb, TG_SC_MASKED1("open", 1, mask, O_RDONLY));
#endif
	TG_SC_ADD(&tb, TG_SC("read"));
	TG_SC_ADD(&tb, TG_SC("fchmod"));
	TG_SC_ADD(&tb, TG_SC("fsync"));
#ifdef SYS_rename
	TG_SC_ADD(&tb, TG_SC("rename"));
#endif
	TG_SC_ADD(&tb, TG_SC("renameat"));
#ifdef SYS_unlink
	TG_SC_ADD(&tb, TG_SC("unlink"));
#endif
	TG_SC_ADD(&tb, TG_SC("unlinkat"));
	TG_SC_ADD(&tb, TG_SC("close"));
	/* the serial line's settings after a reopen */
	TG_SC_ADD(&tb, TG_SC1("ioctl", 1, TG_CMP_EQ, TCGETS));
	TG_SC_ADD(&tb, TG_SC1("ioctl", 1, TG_CMP_EQ, TCSETS));
	TG_SC_ADD(&tb, TG_SC("fcntl"));
	/* the PPS device: fetching pulses, nothing else */
	/*
	 * The request is compared in its low 32 bits: musl's ioctl takes an
	 * int and sign-extends 0xc00870a4 to 64 bits, glibc's does not.
	 */
	if (pps_fd >= 0)
		tg_sc_add(&tb, (struct tg_syscall_rule){
				   .name = "ioctl",
				   .nargs = 2,
				   .args = {{0, TG_CMP_EQ, (uint64_t)pps_fd, 0},
					    {1, TG_CMP_MASKED_EQ, (uint32_t)TG_PPS_IOC_FETCH_NR,
					     0xffffffffu}}});
	/* NMEA from a Unix stream socket (device is one): reconnects after a loss */
	if (nmea_socket) {
		tg_sc_add(&tb, (struct tg_syscall_rule){
				   .name = "socket",
				   .nargs = 2,
				   .args = {{0, TG_CMP_EQ, AF_UNIX, 0},
					    {1, TG_CMP_MASKED_EQ, SOCK_STREAM, 0xf}}});
		TG_SC_ADD(&tb, TG_SC("connect")); /* to its path: where is Landlock's business */
	}
	/* chrony's SOCK refclock: datagrams on the one socket opened before */
	if (sock_fd >= 0) {
		TG_SC_ADD(&tb, TG_SC1("connect", 0, TG_CMP_EQ, (uint64_t)sock_fd));
		TG_SC_ADD(&tb, TG_SC1("sendto", 0, TG_CMP_EQ, (uint64_t)sock_fd));
	}
	if (clock_pid > 0) {
		TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)clock_ipc));
		TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)clock_ipc));
		TG_SC_ADD(&tb, TG_SC1("wait4", 0, TG_CMP_EQ, (uint64_t)clock_pid));
	}
	if (x_pid > 0) {
		TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)x_ipc));
		TG_SC_ADD(&tb, TG_SC1("wait4", 0, TG_CMP_EQ, (uint64_t)x_pid));
	}
	/* mkostemp's random names */
	TG_SC_ADD(&tb, TG_SC("getrandom"));
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "main role: seccomp table too small (%zu rules)", cap);
	memset(sb, 0, sizeof(*sb));
	sb->role = "main";
	sb->user = drop_user;
	sb->caps = 0; /* CAP_SYS_TIME stays with the clock role */
	sb->syscalls = rules;
	sb->rlimit_nofile = 16;
}

static void print_sandboxes(void)
{
	enum { SYM_PPS = TG_SANDBOX_SYMBOL(1), SYM_CIPC, SYM_CPID, SYM_XIPC, SYM_XPID, SYM_SOCK };
	static const struct tg_sandbox_symbol syms[] = {
	    {SYM_PPS, "<pps device>"},        {SYM_CIPC, "<clock ipc socket>"},
	    {SYM_CPID, "<clock role pid>"},   {SYM_XIPC, "<xcheck ipc socket>"},
	    {SYM_XPID, "<xcheck role pid>"},  {SYM_SOCK, "<chrony sock socket>"},
	};
	struct tg_syscall_rule rules[TIMED_RULES_MAX];
	struct tg_sandbox sb;
	size_t n = sizeof(syms) / sizeof(syms[0]);

	printf("# timed -S: what each process role enters (tg_sandbox_enter), built by the same\n"
	       "# functions as at run time (main.c main_sandbox, clock.c timed_clock_sandbox,\n"
	       "# xcheck.c timed_xcheck_sandbox).  Shown with every optional part on.\n"
	       "# main: NMEA from the serial device, pulses from the PPS device, the state\n"
	       "# machine, the status files; no network, no capability.\n"
	       "# clock: CAP_SYS_TIME only; applies checked requests from main.\n"
	       "# xcheck: NTS to the configured upstream servers; no files.\n");
	main_sandbox(&sb, rules, TIMED_RULES_MAX, SYM_PPS, SYM_CIPC, SYM_CPID, SYM_XIPC, SYM_XPID,
		     SYM_SOCK, 1, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
	timed_clock_sandbox(&sb, rules, TIMED_RULES_MAX, SYM_CIPC, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
	timed_xcheck_sandbox(&sb, rules, TIMED_RULES_MAX, SYM_XIPC, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
}

/* ---------------------------------------------------------------- main */

static void load_leap(void)
{
	char err[256];
	int a, b;

	a = tg_leap_load(m.c.leapfile, &m.leap_img, err, sizeof(err));
	if (a < 0)
		tg_warn("leap table %s: %s", m.c.leapfile, err);
	b = m.c.leapfile_data[0] && access(m.c.leapfile_data, F_OK) == 0
		? tg_leap_load(m.c.leapfile_data, &m.leap_data, err, sizeof(err))
		: -1;
	if (b < 0 && m.c.leapfile_data[0] && access(m.c.leapfile_data, F_OK) == 0)
		tg_warn("leap table %s: %s", m.c.leapfile_data, err);
	m.leap = tg_leap_choose(a == 0 ? &m.leap_img : NULL, b == 0 ? &m.leap_data : NULL);
	if (!m.leap) {
		tg_warn("no valid leap table: leap seconds come from the receiver only");
		return;
	}
	tg_info("leap table %s: %zu entries, TAI-UTC %d s, expires %lld%s",
		m.leap == &m.leap_img ? m.c.leapfile : m.c.leapfile_data, m.leap->n,
		tg_leap_tai_offset(m.leap, now_ns(CLOCK_REALTIME) / NS),
		(long long)m.leap->expires_s,
		tg_leap_expired(m.leap, now_ns(CLOCK_REALTIME) / NS)
		    ? " (expired: install a newer leap-seconds.list on /data; until then "
		      "leap seconds come from the receiver)"
		    : "");
}

static int64_t read_floor(void)
{
	char buf[32];
	ssize_t n;
	int fd;
	long long v;
	char *end;

	if (!m.c.date_floor_path[0])
		return TIMED_DATE_FLOOR_S;
	fd = openat(AT_FDCWD, m.c.date_floor_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return TIMED_DATE_FLOOR_S;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return TIMED_DATE_FLOOR_S;
	buf[n] = '\0';
	v = strtoll(buf, &end, 10);
	if ((*end != '\n' && *end != '\0') || v < TIMED_DATE_FLOOR_S || v > 32503680000LL) {
		tg_warn("%s: expected seconds since 1970 after %lld, ignored",
			m.c.date_floor_path, TIMED_DATE_FLOOR_S);
		return TIMED_DATE_FLOOR_S;
	}
	return v;
}

/* The kernel's frequency correction now (kept across restarts) and, when
 * another source keeps it synchronised, its maximum error (else -1). */
static int64_t kernel_freq_ppb(int64_t *maxerror_ns)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));
	*maxerror_ns = -1;
	if (adjtimex(&tx) < 0)
		return 0;
	if (!(tx.status & STA_UNSYNC))
		*maxerror_ns = (int64_t)tx.maxerror * 1000;
	/* freq: 2^-16 ppm; tick: 100 ppm per us away from 10000 */
	return ((int64_t)tx.freq * 1000) / 65536 + ((int64_t)tx.tick - 10000) * 100000;
}

int main(int argc, char **argv)
{
	struct tg_syscall_rule rules[TIMED_RULES_MAX];
	struct tg_sandbox sb;
	int check_only = 0, opt;
	char err[512];
	unsigned uid, gid;

	tg_log_init("timed", "main");
	m.conf_path = TIMED_CONF_PATH;
	m.serial_fd = -1;
	m.notify_fd = -1;
	m.clock.ipc_fd = m.xcheck.ipc_fd = -1;
	while ((opt = getopt(argc, argv, "df:nSh")) != -1) {
		switch (opt) {
		case 'd':
			tg_log_set_level(TG_LOG_DEBUG);
			break;
		case 'f':
			m.conf_path = optarg;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'S':
			print_sandboxes();
			return fflush(stdout) == 0 && !ferror(stdout) ? TG_EXIT_OK : TG_EXIT_SYS;
		case 'h':
			usage(stdout);
			return TG_EXIT_OK;
		default:
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	timed_conf_defaults(&m.c);
	if (timed_conf_load(m.conf_path, &m.c, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);
	if (geteuid() == 0) {
		if (!m.c.user[0])
			snprintf(m.c.user, sizeof(m.c.user), "timed");
		if (tg_sandbox_lookup_user(m.c.user, &uid, &gid) < 0)
			tg_fatalx(TG_EXIT_USAGE,
				  "user '%s' does not exist (set 'user' in %s); refusing to run as root",
				  m.c.user, m.conf_path);
		m.drop_user = m.c.user;
	}
	load_leap();
	if (check_only) {
		tg_info("%s: configuration ok", m.conf_path);
		return TG_EXIT_OK;
	}

	m.floor_s = read_floor();
	tg_nmea_reader_init(&m.rd);
	tg_nmea_agg_init(&m.agg, m.floor_s);
	{
		int64_t maxerr, freq = kernel_freq_ppb(&maxerr);

		engine_init(&m.eng, &m.c, freq, m.leap);
		engine_kernel_synced(&m.eng, maxerr);
	}
	tg_loop_init(&m.loop);
	m.notify_fd = tg_notify_fd_from_env();

	/* the devices, before the sandbox closes the door */
	if (m.c.device[0]) {
		struct stat st;

		m.device_is_socket = stat(m.c.device, &st) == 0 && S_ISSOCK(st.st_mode);
		if (serial_open() < 0) {
			tg_warn("%s: %s; retrying every %lld s", m.c.device, strerror(errno),
				REOPEN_NS / NS);
			if (!tg_loop_add_timer(&m.loop, REOPEN_NS, reopen_cb, NULL))
				tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
		} else {
			tg_info("opened NMEA device %s (%u baud)", m.c.device, m.c.baud);
		}
	}
	if (m.c.pps[0]) {
		if (tg_pps_open(&m.pps, m.c.pps, m.c.pps_clear, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_SYS, "%s", err);
		m.have_pps = 1;
		tg_info("opened PPS device %s (%s edge)", m.c.pps, m.c.pps_clear ? "clear" : "assert");
	}
	if (m.c.shm_unit >= 0) {
		if (tg_refout_shm_open(&m.shm, m.c.shm_unit, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_SYS, "%s", err);
		m.have_shm = 1;
	}
	if (m.c.chrony_sock[0]) {
		if (tg_refout_sock_open(&m.sock, m.c.chrony_sock, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_SYS, "%s", err);
		m.have_sock = 1;
	}

	/* the roles */
	if (m.c.steer) {
		start_role(&m.clock, "clock");
		if (tg_loop_add_fd(&m.loop, m.clock.ipc_fd, POLLIN, role_ipc_cb, &m.clock) < 0)
			tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the clock role");
	} else {
		tg_info("steer no: measuring only, the clock is left alone");
	}
	if (m.c.n_upstream > 0) {
		start_role(&m.xcheck, "xcheck");
		if (tg_loop_add_fd(&m.loop, m.xcheck.ipc_fd, POLLIN, role_ipc_cb, &m.xcheck) < 0)
			tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the xcheck role");
	}
	signal(SIGPIPE, SIG_IGN);
	if (tg_loop_add_signal(&m.loop, SIGTERM, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&m.loop, SIGINT, stop_cb, NULL) < 0)
		tg_fatal("signal handlers");

	main_sandbox(&sb, rules, TIMED_RULES_MAX, m.have_pps ? m.pps.fd : -1,
		     m.clock.ipc_fd, m.clock.pid, m.xcheck.ipc_fd, m.xcheck.pid,
		     m.have_sock ? m.sock.fd : -1, m.device_is_socket, m.drop_user);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);

	if (m.have_pps && !tg_loop_add_timer(&m.loop, PPS_POLL_NS, pps_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
	if (!tg_loop_add_timer(&m.loop, TICK_NS, tick_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
	write_status();
	m.xfile_dirty = 1; /* the configured upstreams, before any sample */
	write_xcheck(now_ns(CLOCK_MONOTONIC));
	tg_notify_ready(&m.notify_fd);
	tg_info("running: state %s", engine_state_name(m.eng.state));
	if (tg_loop_run(&m.loop) < 0)
		tg_fatal("event loop");

	/* the roles end on EOF */
	if (m.clock.pid > 0) {
		close(m.clock.ipc_fd);
		waitpid(m.clock.pid, NULL, 0);
	}
	if (m.xcheck.pid > 0) {
		close(m.xcheck.ipc_fd);
		waitpid(m.xcheck.pid, NULL, 0);
	}
	return TG_EXIT_OK;
}
