/*
 * test_supervise.c - the pure parts of tg-supervise: back-off and exit
 * messages, service-file and MAIN_CONF parsing (the read, write, device
 * and exec paths, group lines, control-group and actions too), the
 * environment given to services, line splitting and records, the ring
 * buffer, control.sock's request parser and answers.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "check.h"
#include "landlock.h"
#include "supervise/ctlproto.h"
#include "supervise/logline.h"
#include "supervise/logring.h"
#include "supervise/restart.h"
#include "supervise/svcconf.h"
#include "supervise/svcenv.h"

#define S_NS 1000000000ull

/* wait statuses as waitpid() builds them on Linux */
#define W_EXITED(code)  (((code)&0xff) << 8)
#define W_SIGNALED(sig) ((sig)&0x7f)
#define W_CORE          0x80

/* ---------------------------------------------------------------- back-off */

static void test_backoff_sequence(void)
{
	static const unsigned want[] = {1, 2, 4, 8, 16, 32, 60, 60, 60};
	struct sv_backoff b = {0};
	size_t i;

	/* a crash loop: every run shorter than 60 s */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ_INT(sv_backoff_next(&b, 0), want[i]);
	/* many more: stays capped, no overflow */
	for (i = 0; i < 1000; i++)
		CHECK_EQ_INT(sv_backoff_next(&b, 59 * S_NS), 60);
	/* a run of at least 60 s resets it */
	CHECK_EQ_INT(sv_backoff_next(&b, 60 * S_NS), 1);
	CHECK_EQ_INT(sv_backoff_next(&b, 3 * S_NS), 1);
	CHECK_EQ_INT(sv_backoff_next(&b, 3 * S_NS), 2);
	CHECK_EQ_INT(sv_backoff_next(&b, 60 * S_NS - 1), 4);
	CHECK_EQ_INT(sv_backoff_next(&b, 3600 * S_NS), 1);
}

static void test_exit_messages(void)
{
	char buf[256];

	sv_exit_message(buf, sizeof(buf), "ntsd", W_EXITED(111), SV_AFTER_RESTART, 4);
	CHECK_EQ_STR(buf, "service ntsd exited with status 111; restarting in 4 s");
	sv_exit_message(buf, sizeof(buf), "ntsd", W_SIGNALED(SIGSYS), SV_AFTER_RESTART, 1);
	CHECK_EQ_STR(buf, "service ntsd killed by signal 31 (SIGSYS, seccomp violation); "
	                  "restarting in 1 s");
	sv_exit_message(buf, sizeof(buf), "gnss", W_SIGNALED(SIGSEGV) | W_CORE, SV_AFTER_RESTART,
	                60);
	CHECK_EQ_STR(buf,
	             "service gnss killed by signal 11 (SIGSEGV, core dumped); restarting in 60 s");
	sv_exit_message(buf, sizeof(buf), "once", W_EXITED(0), SV_AFTER_NO_RESTART, 0);
	CHECK_EQ_STR(buf, "service once exited with status 0; not restarting (restart never)");
	sv_exit_message(buf, sizeof(buf), "web", W_SIGNALED(SIGTERM), SV_AFTER_STOPPING, 0);
	CHECK_EQ_STR(buf, "service web killed by signal 15 (SIGTERM)");
	sv_exit_message(buf, sizeof(buf), "x", W_SIGNALED(63), SV_AFTER_STOPPING, 0);
	CHECK_EQ_STR(buf, "service x killed by signal 63 (unknown)");
	/* truncation keeps a terminated string */
	CHECK_EQ_INT(sv_exit_message(buf, 10, "ntsd", W_EXITED(1), SV_AFTER_RESTART, 1), 9);
	CHECK_EQ_STR(buf, "service n");
	CHECK_EQ_STR(sv_signal_name(SIGKILL), "SIGKILL");
	CHECK(sv_signal_name(0) == NULL);
}

/* ---------------------------------------------------------------- service files */

static struct sv_conf conf;
static char err[512];

static int parse(const char *text)
{
	err[0] = '\0';
	return sv_conf_parse(text, strlen(text), "/etc/svc/t.conf", "t", &conf, err, sizeof(err));
}

static void test_conf_good(void)
{
	static const char text[] = "# the NTS frontend\n"
	                           "command /usr/sbin/ntsd -c \"/etc/timegate/ntsd conf\" -v\n"
	                           "user ntsd   # its own user\n"
	                           "caps cap_sys_time cap_net_bind_service\n"
	                           "listen udp 127.0.0.1 123 ntp\n"
	                           "listen tcp ::1 4460 nts-ke\n"
	                           "ready notify\n"
	                           "restart never\n"
	                           "env TG_DEBUG=1\n"
	                           "env \"GREETING=a=b c\"\n"
	                           "limit nofile 256\n"
	                           "limit nproc 8\n"
	                           "workdir /var/lib/ntsd\n";
	char a[INET6_ADDRSTRLEN];

	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_STR(conf.name, "t");
	CHECK_EQ_INT(conf.argc, 4);
	CHECK_EQ_STR(sv_conf_arg(&conf, 0), "/usr/sbin/ntsd");
	CHECK_EQ_STR(sv_conf_arg(&conf, 1), "-c");
	CHECK_EQ_STR(sv_conf_arg(&conf, 2), "/etc/timegate/ntsd conf");
	CHECK_EQ_STR(sv_conf_arg(&conf, 3), "-v");
	CHECK_EQ_STR(conf.user, "ntsd");
	CHECK_EQ_INT(conf.allow_root, 0);
	CHECK(conf.caps == ((1ull << 25) | (1ull << 10)));
	CHECK_EQ_INT(conf.nlisten, 2);
	CHECK_EQ_INT(conf.listen[0].socktype, SOCK_DGRAM);
	CHECK_EQ_INT(conf.listen[0].family, AF_INET);
	CHECK_EQ_INT(ntohs(conf.listen[0].addr.in.sin_port), 123);
	CHECK_EQ_INT(conf.listen[0].addrlen, sizeof(struct sockaddr_in));
	inet_ntop(AF_INET, &conf.listen[0].addr.in.sin_addr, a, sizeof(a));
	CHECK_EQ_STR(a, "127.0.0.1");
	CHECK_EQ_STR(conf.listen[0].name, "ntp");
	CHECK_EQ_STR(conf.listen[0].text, "udp 127.0.0.1 123");
	CHECK_EQ_INT(conf.listen[1].socktype, SOCK_STREAM);
	CHECK_EQ_INT(conf.listen[1].family, AF_INET6);
	CHECK_EQ_INT(ntohs(conf.listen[1].addr.in6.sin6_port), 4460);
	inet_ntop(AF_INET6, &conf.listen[1].addr.in6.sin6_addr, a, sizeof(a));
	CHECK_EQ_STR(a, "::1");
	CHECK_EQ_STR(conf.listen[1].name, "nts-ke");
	CHECK_EQ_INT(conf.ready, SV_READY_NOTIFY);
	CHECK_EQ_INT(conf.restart, SV_RESTART_NEVER);
	CHECK_EQ_INT(conf.nenv, 2);
	CHECK_EQ_STR(sv_conf_env(&conf, 0), "TG_DEBUG=1");
	CHECK_EQ_STR(sv_conf_env(&conf, 1), "GREETING=a=b c");
	CHECK_EQ_INT(conf.nofile, 256);
	CHECK_EQ_INT(conf.nproc, 8);
	CHECK_EQ_STR(conf.workdir, "/var/lib/ntsd");
	CHECK_EQ_INT(conf.nfs, 0);
}

/* read, write, device, exec: the paths Landlock grants, in the file's order */
static void test_conf_fs(void)
{
	static const char text[] = "command /usr/sbin/ntsd\n"
	                           "user ntsd\n"
	                           "read /run/timegate/time\n"
	                           "write /data/ntsd\n"
	                           "device /dev/pps0\n"
	                           "read /etc/timegate/ntsd.conf   # one file\n"
	                           "exec /usr\n"
	                           "read /\n"
	                           "socket /run/timegate/update\n";
	char text2[4096];
	size_t o;
	int i;

	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(conf.nfs, 7);
	CHECK_EQ_INT(conf.fs[0].access, TG_LL_READ);
	CHECK_EQ_STR(conf.fs[0].path, "/run/timegate/time");
	CHECK_EQ_INT(conf.fs[1].access, TG_LL_WRITE);
	CHECK_EQ_STR(conf.fs[1].path, "/data/ntsd");
	CHECK_EQ_INT(conf.fs[2].access, TG_LL_DEVICE);
	CHECK_EQ_STR(conf.fs[2].path, "/dev/pps0");
	CHECK_EQ_INT(conf.fs[3].access, TG_LL_READ);
	CHECK_EQ_STR(conf.fs[3].path, "/etc/timegate/ntsd.conf");
	CHECK_EQ_INT(conf.fs[4].access, TG_LL_EXEC);
	CHECK_EQ_STR(conf.fs[4].path, "/usr");
	CHECK_EQ_INT(conf.fs[5].access, TG_LL_READ);
	CHECK_EQ_STR(conf.fs[5].path, "/");
	CHECK_EQ_INT(conf.fs[6].access, TG_LL_SOCKET);
	CHECK_EQ_STR(conf.fs[6].path, "/run/timegate/update");
	/* names for messages, as the keywords */
	CHECK_EQ_STR(tg_landlock_access_name(TG_LL_READ), "read");
	CHECK_EQ_STR(tg_landlock_access_name(TG_LL_WRITE), "write");
	CHECK_EQ_STR(tg_landlock_access_name(TG_LL_DEVICE), "device");
	CHECK_EQ_STR(tg_landlock_access_name(TG_LL_EXEC), "exec");
	CHECK_EQ_STR(tg_landlock_access_name(TG_LL_SOCKET), "socket");
	CHECK_EQ_STR(tg_landlock_access_name(0), "?");
	/* a path of SV_PATH_MAX - 1 bytes fits */
	o = (size_t)snprintf(text2, sizeof(text2), "command /bin/x\nuser a\nread /");
	memset(text2 + o, 'p', SV_PATH_MAX - 2);
	o += SV_PATH_MAX - 2;
	snprintf(text2 + o, sizeof(text2) - o, "\n");
	CHECK_EQ_INT(parse(text2), 0);
	CHECK_EQ_INT(strlen(conf.fs[0].path), SV_PATH_MAX - 1);

	/* 16 lines together are fine, a 17th is not */
	o = (size_t)snprintf(text2, sizeof(text2), "command /bin/x\nuser a\n");
	for (i = 0; i < SV_FS_MAX; i++)
		o += (size_t)snprintf(text2 + o, sizeof(text2) - o, "%s /p%d\n",
		                      i % 2 ? "read" : "write", i);
	CHECK_EQ_INT(parse(text2), 0);
	CHECK_EQ_INT(conf.nfs, SV_FS_MAX);
	snprintf(text2 + o, sizeof(text2) - o, "device /dev/extra\n");
	CHECK_EQ_INT(parse(text2), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:19: at most 16 read, write, device, exec and socket lines per "
	                  "service");
}

static void test_conf_fs_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"command /bin/x\nuser a\nread tmp\n",
	     "/etc/svc/t.conf:3: read expects an absolute path, got 'tmp'"},
	    {"command /bin/x\nuser a\nwrite data/ntsd\n",
	     "/etc/svc/t.conf:3: write expects an absolute path, got 'data/ntsd'"},
	    {"command /bin/x\nuser a\ndevice pps0\n",
	     "/etc/svc/t.conf:3: device expects an absolute path, got 'pps0'"},
	    {"command /bin/x\nuser a\nexec \"\"\n",
	     "/etc/svc/t.conf:3: exec expects an absolute path, got ''"},
	    {"command /bin/x\nuser a\nread /data/../etc\n",
	     "/etc/svc/t.conf:3: read expects a normalised path (no '.', '..', '//' or trailing "
	     "'/'), got '/data/../etc'"},
	    {"command /bin/x\nuser a\nread /data/\n",
	     "/etc/svc/t.conf:3: read expects a normalised path*"},
	    {"command /bin/x\nuser a\nread //data\n",
	     "/etc/svc/t.conf:3: read expects a normalised path*"},
	    {"command /bin/x\nuser a\nwrite /data/./ntsd\n",
	     "/etc/svc/t.conf:3: write expects a normalised path*"},
	    {"command /bin/x\nuser a\nread /..\n",
	     "/etc/svc/t.conf:3: read expects a normalised path*"},
	    {"command /bin/x\nuser a\nread /run\nwrite /run\n",
	     "/etc/svc/t.conf:4: write /run: that path is already listed (read)"},
	    {"command /bin/x\nuser a\nread /run\nread /run\n",
	     "/etc/svc/t.conf:4: read /run: that path is already listed (read)"},
	    {"command /bin/x\nuser a\nread /a /b\n",
	     "/etc/svc/t.conf:3: 'read' expects 1 argument, got 2"},
	    {"command /bin/x\nuser a\nwrite\n",
	     "/etc/svc/t.conf:3: 'write' expects 1 argument, got 0"},
	};
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w = cases[i].want;
		size_t wl = strlen(w);
		int ok;

		CHECK_EQ_INT(parse(cases[i].text), -1);
		if (wl && w[wl - 1] == '*')
			ok = strncmp(err, w, wl - 1) == 0;
		else
			ok = strcmp(err, w) == 0;
		if (!ok)
			fprintf(stderr, "  case %zu: got \"%s\"\n  want \"%s\"\n", i, err, w);
		CHECK(ok);
	}
	/* too long: SV_PATH_MAX bytes */
	snprintf(text, sizeof(text), "command /bin/x\nuser a\nread /%0*d\n", SV_PATH_MAX - 1, 0);
	CHECK_EQ_INT(parse(text), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:3: read expects a path shorter than 256 bytes");
}

static void test_conf_defaults(void)
{
	CHECK_EQ_INT(parse("command /bin/sleep 10\nuser nobody\n"), 0);
	CHECK_EQ_INT(conf.argc, 2);
	CHECK(conf.caps == 0);
	CHECK_EQ_INT(conf.nlisten, 0);
	CHECK_EQ_INT(conf.ready, SV_READY_STARTED);
	CHECK_EQ_INT(conf.restart, SV_RESTART_ALWAYS);
	CHECK_EQ_INT(conf.nenv, 0);
	CHECK(conf.nofile == 0 && conf.nproc == 0);
	CHECK_EQ_STR(conf.workdir, "/");
	/* root only when explicitly allowed */
	CHECK_EQ_INT(parse("command /bin/true\nuser root\nallow-root yes\n"), 0);
	CHECK_EQ_INT(parse("allow-root yes\ncommand /bin/true\nuser root\n"), 0);
	CHECK_EQ_INT(conf.allow_root, 1);
	/* CRLF and no final newline */
	CHECK_EQ_INT(parse("command /bin/true\r\nuser nobody"), 0);
	CHECK_EQ_STR(conf.user, "nobody");
}

struct bad_case {
	const char *text;
	const char *want; /* the whole message, or its start when it ends in '*' */
};

static void test_conf_errors(void)
{
	static const struct bad_case cases[] = {
	    /* unknown key */
	    {"command /bin/x\nuser a\nfoo bar\n",
	     "/etc/svc/t.conf:3: unknown keyword 'foo' (expected one of: command, user, group, "
	     "allow-root, caps, listen, ready, restart, env, limit, workdir, read, write, device, "
	     "exec, socket)"},
	    /* missing command / user */
	    {"user a\n", "/etc/svc/t.conf: missing required keyword 'command'"},
	    {"command /bin/x\n", "/etc/svc/t.conf: missing required keyword 'user'"},
	    /* bad user name */
	    {"command /bin/x\nuser Bad!\n",
	     "/etc/svc/t.conf:2: user expects a user name ([a-z_][a-z0-9_-]{0,31}), got 'Bad!'"},
	    {"command /bin/x\nuser 1abc\n", "/etc/svc/t.conf:2: user expects a user name*"},
	    {"command /bin/x\nuser aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	     "/etc/svc/t.conf:2: user expects a user name*"},
	    {"command /bin/x\nuser root\n",
	     "/etc/svc/t.conf: user root needs an explicit 'allow-root yes'"},
	    {"command /bin/x\nuser root\nallow-root maybe\n",
	     "/etc/svc/t.conf:3: expected yes/no, on/off, true/false or 1/0, got 'maybe'"},
	    /* bad cap */
	    {"command /bin/x\nuser a\ncaps cap_sys_time cap_sys_tim\n",
	     "/etc/svc/t.conf:3: caps: unknown capability 'cap_sys_tim' (expected names like "
	     "cap_sys_time, cap_net_bind_service)"},
	    {"command /bin/x\nuser a\ncaps CAP_SYS_TIME\n",
	     "/etc/svc/t.conf:3: caps: unknown capability 'CAP_SYS_TIME'*"},
	    /* bad listen address / port / protocol / name */
	    {"command /bin/x\nuser a\nlisten udp 1.2.3 123 ntp\n",
	     "/etc/svc/t.conf:3: listen expects an IPv4 or IPv6 address literal, got '1.2.3'"},
	    {"command /bin/x\nuser a\nlisten udp localhost 123 ntp\n",
	     "/etc/svc/t.conf:3: listen expects an IPv4 or IPv6 address literal, got "
	     "'localhost'"},
	    {"command /bin/x\nuser a\nlisten udp 127.0.0.1 70000 ntp\n",
	     "/etc/svc/t.conf:3: expected an integer from 1 to 65535, got '70000'"},
	    {"command /bin/x\nuser a\nlisten udp 127.0.0.1 0 ntp\n",
	     "/etc/svc/t.conf:3: expected an integer from 1 to 65535, got '0'"},
	    {"command /bin/x\nuser a\nlisten udp 127.0.0.1 -1 ntp\n",
	     "/etc/svc/t.conf:3: expected an integer from 1 to 65535, got '-1'"},
	    {"command /bin/x\nuser a\nlisten sctp 127.0.0.1 123 ntp\n",
	     "/etc/svc/t.conf:3: expected one of: udp, tcp; got 'sctp'"},
	    {"command /bin/x\nuser a\nlisten udp 127.0.0.1 123\n",
	     "/etc/svc/t.conf:3: 'listen' expects 4 arguments, got 3"},
	    {"command /bin/x\nuser a\nlisten udp 127.0.0.1 123 a:b\n",
	     "/etc/svc/t.conf:3: listen expects a name ([A-Za-z0-9_.-]{1,31}), got 'a:b'"},
	    {"command /bin/x\nuser a\nlisten udp 127.0.0.1 123 a\nlisten tcp 127.0.0.1 123 a\n",
	     "/etc/svc/t.conf:4: listen name 'a' used twice"},
	    /* non-absolute command, workdir */
	    {"command bin/x\nuser a\n",
	     "/etc/svc/t.conf:1: command expects an absolute path, got 'bin/x'"},
	    {"command /bin/x\nuser a\nworkdir tmp\n",
	     "/etc/svc/t.conf:3: workdir expects an absolute path, got 'tmp'"},
	    /* the rest */
	    {"command /bin/x\nuser a\nready soon\n",
	     "/etc/svc/t.conf:3: expected one of: started, notify; got 'soon'"},
	    {"command /bin/x\nuser a\nrestart sometimes\n",
	     "/etc/svc/t.conf:3: expected one of: always, never; got 'sometimes'"},
	    {"command /bin/x\nuser a\nuser b\n",
	     "/etc/svc/t.conf:3: 'user' given twice (first on line 2)"},
	    {"command /bin/x\nuser a\nenv NOEQUALS\n",
	     "/etc/svc/t.conf:3: env expects KEY=VALUE with KEY [A-Za-z_][A-Za-z0-9_]*, got "
	     "'NOEQUALS'"},
	    {"command /bin/x\nuser a\nenv 1X=2\n", "/etc/svc/t.conf:3: env expects KEY=VALUE*"},
	    {"command /bin/x\nuser a\nenv TG_LISTEN_FDS=3\n",
	     "/etc/svc/t.conf:3: env: TG_LISTEN_FDS is set by the supervisor"},
	    {"command /bin/x\nuser a\nenv A=1\nenv A=2\n", "/etc/svc/t.conf:4: env: A given twice"},
	    {"command /bin/x\nuser a\nlimit nofile 64\nlimit nofile 128\n",
	     "/etc/svc/t.conf:4: limit nofile given twice"},
	    {"command /bin/x\nuser a\nlimit core 0\n",
	     "/etc/svc/t.conf:3: expected one of: nofile, nproc; got 'core'"},
	    {"command /bin/x\nuser a\nlimit nofile 3\n",
	     "/etc/svc/t.conf:3: expected an integer from 16 to 1048576, got '3'"},
	    {"command /bin/x\nuser a\x01\n", "/etc/svc/t.conf:2: control character 0x01*"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w = cases[i].want;
		size_t wl = strlen(w);
		int ok;

		CHECK_EQ_INT(parse(cases[i].text), -1);
		if (wl && w[wl - 1] == '*')
			ok = strncmp(err, w, wl - 1) == 0;
		else
			ok = strcmp(err, w) == 0;
		if (!ok)
			fprintf(stderr, "  case %zu: got \"%s\"\n  want \"%s\"\n", i, err, w);
		CHECK(ok);
	}
}

static void test_conf_limits(void)
{
	char text[4096];
	size_t o;
	int i;

	/* 8 listen sockets are fine, a 9th is not */
	o = (size_t)snprintf(text, sizeof(text), "command /bin/x\nuser a\n");
	for (i = 0; i < SV_LISTEN_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "listen udp 127.0.0.1 %d s%d\n",
		                      1000 + i, i);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_INT(conf.nlisten, SV_LISTEN_MAX);
	snprintf(text + o, sizeof(text) - o, "listen udp 127.0.0.1 2000 extra\n");
	CHECK_EQ_INT(parse(text), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:11: at most 8 listen sockets per service");

	/* the command may have 16 words (the line's limit) */
	CHECK_EQ_INT(parse("command /bin/x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nuser a\n"), 0);
	CHECK_EQ_INT(conf.argc, 16);
	CHECK_EQ_STR(sv_conf_arg(&conf, 15), "15");

	/* the service name itself */
	CHECK_EQ_INT(sv_conf_parse("", 0, "x", "Bad", &conf, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "x: service name 'Bad' is not [a-z0-9-]{1,31}");
}

static void test_names(void)
{
	char name[SV_NAME_MAX + 1];

	CHECK_EQ_INT(sv_name_from_file("ntsd.conf", name), 1);
	CHECK_EQ_STR(name, "ntsd");
	CHECK_EQ_INT(sv_name_from_file("gnss-0.conf", name), 1);
	CHECK_EQ_STR(name, "gnss-0");
	CHECK_EQ_INT(sv_name_from_file("abcdefghijklmnopqrstuvwxyz01234.conf", name), 1);
	CHECK_EQ_INT(sv_name_from_file("abcdefghijklmnopqrstuvwxyz012345.conf", name), -1);
	CHECK_EQ_INT(sv_name_from_file("README", name), 0);
	CHECK_EQ_INT(sv_name_from_file(".conf", name), 0);
	CHECK_EQ_INT(sv_name_from_file("ntsd.conf.bak", name), 0);
	CHECK_EQ_INT(sv_name_from_file("ntsd.conf~", name), 0);
	CHECK_EQ_INT(sv_name_from_file("Ntsd.conf", name), -1);
	CHECK_EQ_INT(sv_name_from_file("nt_sd.conf", name), -1);
	CHECK_EQ_INT(sv_name_from_file(".x.conf", name), -1);
	CHECK(sv_user_valid("nobody") && sv_user_valid("_ntp") && sv_user_valid("tg-ntsd1"));
	CHECK(!sv_user_valid("") && !sv_user_valid("-x") && !sv_user_valid("a b"));
}

static void test_caps_table(void)
{
	int i;

	CHECK_EQ_INT(sv_cap_from_name("cap_chown"), 0);
	CHECK_EQ_INT(sv_cap_from_name("cap_net_bind_service"), 10);
	CHECK_EQ_INT(sv_cap_from_name("cap_net_raw"), 13);
	CHECK_EQ_INT(sv_cap_from_name("cap_sys_time"), 25);
	CHECK_EQ_INT(sv_cap_from_name("cap_checkpoint_restore"), 40);
	CHECK_EQ_INT(sv_cap_from_name("cap_"), -1);
	for (i = 0; sv_cap_name(i); i++)
		CHECK_EQ_INT(sv_cap_from_name(sv_cap_name(i)), i);
	CHECK_EQ_INT(i, 41);
}

static void test_main_conf(void)
{
	static const char text[] = "on-ready /bin/sh -c \"touch /run/booted\"\n"
	                           "console /dev/ttyS0\n"
	                           "log-group tglog\n";
	struct sv_main_conf m;

	CHECK_EQ_INT(sv_main_conf_parse(text, strlen(text), "s.conf", &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.on_ready_argc, 3);
	CHECK_EQ_STR(sv_main_conf_arg(&m, 0), "/bin/sh");
	CHECK_EQ_STR(sv_main_conf_arg(&m, 2), "touch /run/booted");
	CHECK_EQ_STR(m.console, "/dev/ttyS0");
	CHECK_EQ_STR(m.log_group, "tglog");

	CHECK_EQ_INT(sv_main_conf_parse("", 0, "s.conf", &m, err, sizeof(err)), 0);
	CHECK_EQ_INT(m.on_ready_argc, 0);
	CHECK_EQ_STR(m.console, "/dev/console");
	CHECK_EQ_STR(m.log_group, "");

	CHECK_EQ_INT(sv_main_conf_parse("on-ready touch x\n", 16, "s.conf", &m, err, sizeof(err)),
	             -1);
	CHECK_EQ_STR(err, "s.conf:1: on-ready expects an absolute path, got 'touch'");
	CHECK_EQ_INT(sv_main_conf_parse("console tty\n", 12, "s.conf", &m, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "s.conf:1: console expects an absolute path, got 'tty'");
}

/* ---------------------------------------------------------------- group lines */

static void test_conf_groups(void)
{
	char text[1024];
	size_t o;
	int i;

	/* none: the user's own group only (ngroups 0) */
	CHECK_EQ_INT(parse("command /bin/x\nuser a\n"), 0);
	CHECK_EQ_INT(conf.ngroups, 0);
	/* in the order of the file */
	CHECK_EQ_INT(parse("command /bin/x\nuser consoled\ngroup svctl\ngroup updctl\n"
	                   "group _x-1\n"),
	             0);
	CHECK_EQ_INT(conf.ngroups, 3);
	CHECK_EQ_STR(conf.groups[0], "svctl");
	CHECK_EQ_STR(conf.groups[1], "updctl");
	CHECK_EQ_STR(conf.groups[2], "_x-1");
	CHECK_EQ_STR(conf.user, "consoled");

	/* eight are fine, a ninth is not */
	o = (size_t)snprintf(text, sizeof(text), "command /bin/x\nuser a\n");
	for (i = 0; i < SV_GROUPS_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "group g%d\n", i);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_INT(conf.ngroups, SV_GROUPS_MAX);
	CHECK_EQ_STR(conf.groups[7], "g7");
	snprintf(text + o, sizeof(text) - o, "group g8\n");
	CHECK_EQ_INT(parse(text), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:11: at most 8 group lines per service");

	/* the same group twice */
	CHECK_EQ_INT(parse("command /bin/x\nuser a\ngroup svctl\ngroup b\ngroup svctl\n"), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:5: group svctl given twice");
	/* not a group name */
	CHECK_EQ_INT(parse("command /bin/x\nuser a\ngroup Svctl\n"), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:3: group expects a group name ([a-z_][a-z0-9_-]{0,31}), "
	                  "got 'Svctl'");
	CHECK_EQ_INT(parse("command /bin/x\nuser a\ngroup 110\n"), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:3: group expects a group name ([a-z_][a-z0-9_-]{0,31}), "
	                  "got '110'");
	CHECK_EQ_INT(parse("command /bin/x\nuser a\ngroup aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:3: group expects a group name ([a-z_][a-z0-9_-]{0,31}), "
	                  "got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
	/* one name per line, and one at least */
	CHECK_EQ_INT(parse("command /bin/x\nuser a\ngroup svctl updctl\n"), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:3: 'group' expects 1 argument, got 2");
	CHECK_EQ_INT(parse("command /bin/x\nuser a\ngroup\n"), -1);
	CHECK_EQ_STR(err, "/etc/svc/t.conf:3: 'group' expects 1 argument, got 0");
}

/* ---------------------------------------------------------------- control-group, actions */

static int mparse(struct sv_main_conf *m, const char *text)
{
	err[0] = '\0';
	return sv_main_conf_parse(text, strlen(text), "s.conf", m, err, sizeof(err));
}

static void test_main_conf_actions(void)
{
	static struct sv_main_conf m;
	const struct sv_action *a;
	char text[2048];
	size_t o;
	int i;

	CHECK_EQ_INT(mparse(&m, "log-group svctl\n"
	                        "control-group svctl\n"
	                        "action firewall /usr/sbin/tg-firewall apply\n"
	                        "action say-hi /bin/sh -c \"echo hi there\"\n"
	                        "action x /bin/true\n"
	                        "on-ready /bin/true\n"),
	             0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_STR(m.log_group, "svctl");
	CHECK_EQ_STR(m.control_group, "svctl");
	CHECK_EQ_INT(m.nactions, 3);
	a = sv_action_find(&m, "firewall");
	CHECK(a == &m.actions[0]);
	CHECK_EQ_INT(a->argc, 2);
	CHECK_EQ_STR(sv_action_arg(&m, a, 0), "/usr/sbin/tg-firewall");
	CHECK_EQ_STR(sv_action_arg(&m, a, 1), "apply");
	a = sv_action_find(&m, "say-hi");
	CHECK(a == &m.actions[1]);
	CHECK_EQ_INT(a->argc, 3);
	CHECK_EQ_STR(sv_action_arg(&m, a, 2), "echo hi there");
	CHECK_EQ_INT(sv_action_find(&m, "x")->argc, 1);
	CHECK(sv_action_find(&m, "fire") == NULL);
	CHECK(sv_action_find(&m, "") == NULL);
	/* on-ready after the actions: its arguments did not overwrite theirs */
	CHECK_EQ_STR(sv_main_conf_arg(&m, 0), "/bin/true");
	CHECK_EQ_STR(sv_action_arg(&m, sv_action_find(&m, "firewall"), 1), "apply");

	/* defaults: no control-group, no actions */
	CHECK_EQ_INT(mparse(&m, ""), 0);
	CHECK_EQ_STR(m.control_group, "");
	CHECK_EQ_INT(m.nactions, 0);

	/* eight actions, not nine; fifteen arguments after the name (the line's limit) */
	o = 0;
	for (i = 0; i < SV_ACTION_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "action a%d /bin/a%d\n", i, i);
	CHECK_EQ_INT(mparse(&m, text), 0);
	CHECK_EQ_INT(m.nactions, SV_ACTION_MAX);
	CHECK_EQ_STR(sv_action_arg(&m, sv_action_find(&m, "a7"), 0), "/bin/a7");
	snprintf(text + o, sizeof(text) - o, "action a8 /bin/a8\n");
	CHECK_EQ_INT(mparse(&m, text), -1);
	CHECK_EQ_STR(err, "s.conf:9: at most 8 action lines");
	CHECK_EQ_INT(mparse(&m, "action long /bin/x 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n"), 0);
	CHECK_EQ_INT(m.actions[0].argc, 15);
	CHECK_EQ_STR(sv_action_arg(&m, &m.actions[0], 14), "14");

	/* every error path */
	CHECK_EQ_INT(mparse(&m, "control-group Bad\n"), -1);
	CHECK_EQ_STR(err, "s.conf:1: control-group expects a group name ([a-z_][a-z0-9_-]{0,31}), "
	                  "got 'Bad'");
	CHECK_EQ_INT(mparse(&m, "control-group a\ncontrol-group b\n"), -1);
	CHECK_EQ_STR(err, "s.conf:2: 'control-group' given twice (first on line 1)");
	CHECK_EQ_INT(mparse(&m, "control-group a b\n"), -1);
	CHECK_EQ_STR(err, "s.conf:1: 'control-group' expects 1 argument, got 2");
	CHECK_EQ_INT(mparse(&m, "action firewall\n"), -1);
	CHECK_EQ_STR(err, "s.conf:1: 'action' expects 2 to 16 arguments, got 1");
	CHECK_EQ_INT(mparse(&m, "action Fire /bin/x\n"), -1);
	CHECK_EQ_STR(err, "s.conf:1: action expects a name ([a-z0-9-]{1,31}), got 'Fire'");
	CHECK_EQ_INT(mparse(&m, "action fire_wall /bin/x\n"), -1);
	CHECK_EQ_STR(err, "s.conf:1: action expects a name ([a-z0-9-]{1,31}), got 'fire_wall'");
	CHECK_EQ_INT(mparse(&m, "action abcdefghijklmnopqrstuvwxyz012345 /bin/x\n"), -1);
	CHECK_EQ_STR(err, "s.conf:1: action expects a name ([a-z0-9-]{1,31}), got "
	                  "'abcdefghijklmnopqrstuvwxyz012345'");
	CHECK_EQ_INT(mparse(&m, "action fw tg-firewall apply\n"), -1);
	CHECK_EQ_STR(err, "s.conf:1: action expects an absolute path, got 'tg-firewall'");
	CHECK_EQ_INT(mparse(&m, "action fw /bin/a\naction ok /bin/b\naction fw /bin/c\n"), -1);
	CHECK_EQ_STR(err, "s.conf:3: action fw given twice");
}

/* ---------------------------------------------------------------- control.sock */

static enum sv_ctl_verb ctl(const char *s, char *name)
{
	name[0] = '\0';
	return sv_ctl_parse(s, strlen(s), name);
}

static void test_ctl_parse(void)
{
	char name[SV_NAME_MAX + 1], buf[200];

	CHECK_EQ_INT(ctl("restart timed\n", name), SV_CTL_RESTART);
	CHECK_EQ_STR(name, "timed");
	CHECK_EQ_INT(ctl("run firewall\n", name), SV_CTL_RUN);
	CHECK_EQ_STR(name, "firewall");
	/* blanks around and between the words, CRLF */
	CHECK_EQ_INT(ctl("  restart \t ntsd  \r\n", name), SV_CTL_RESTART);
	CHECK_EQ_STR(name, "ntsd");
	/* anything after the first line is ignored */
	CHECK_EQ_INT(ctl("run fw\nrestart x\n", name), SV_CTL_RUN);
	CHECK_EQ_STR(name, "fw");
	/* not yet a line */
	CHECK_EQ_INT(ctl("", name), SV_CTL_MORE);
	CHECK_EQ_INT(ctl("restart tim", name), SV_CTL_MORE);
	/* malformed */
	CHECK_EQ_INT(ctl("\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("restart\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("restart a b\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("RESTART timed\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("stop timed\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("restart Timed\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("restart ../x\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("restarts timed\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(ctl("run abcdefghijklmnopqrstuvwxyz012345\n", name), SV_CTL_BAD);
	CHECK_EQ_INT(sv_ctl_parse("run a\0b\n", 8, name), SV_CTL_BAD);
	/* 64 bytes with the newline: fine; 64 without one: too long */
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "run x", 5);
	buf[63] = '\n';
	CHECK_EQ_INT(sv_ctl_parse(buf, 64, name), SV_CTL_RUN);
	CHECK_EQ_STR(name, "x");
	buf[63] = ' ';
	buf[64] = '\n';
	CHECK_EQ_INT(sv_ctl_parse(buf, 63, name), SV_CTL_MORE);
	CHECK_EQ_INT(sv_ctl_parse(buf, 64, name), SV_CTL_TOOLONG);
	CHECK_EQ_INT(sv_ctl_parse(buf, 65, name), SV_CTL_TOOLONG);
	CHECK_EQ_INT(sv_ctl_parse(buf, sizeof(buf), name), SV_CTL_TOOLONG);
}

static void test_ctl_answers(void)
{
	char a[SV_CTL_ANSWER_MAX], longline[400];
	size_t n;

	n = sv_ctl_action_answer(a, sizeof(a), "firewall", W_EXITED(0), "rules loaded", 0);
	CHECK_EQ_STR(a, "ok\n");
	CHECK_EQ_INT(n, 3);
	sv_ctl_action_answer(a, sizeof(a), "firewall", W_EXITED(1),
	                     "site.conf:3: expected an address", 0);
	CHECK_EQ_STR(a, "error firewall exited with status 1: site.conf:3: expected an address\n");
	sv_ctl_action_answer(a, sizeof(a), "firewall", W_EXITED(2), "", 0);
	CHECK_EQ_STR(a, "error firewall exited with status 2\n");
	sv_ctl_action_answer(a, sizeof(a), "firewall", W_EXITED(2), NULL, 0);
	CHECK_EQ_STR(a, "error firewall exited with status 2\n");
	/* the quoted line stays one line: controls replaced */
	sv_ctl_action_answer(a, sizeof(a), "fw", W_EXITED(3), "a\rb\x1b[2Jc\x7f", 0);
	CHECK_EQ_STR(a, "error fw exited with status 3: a?b?[2Jc?\n");
	/* and cut */
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	n = sv_ctl_action_answer(a, sizeof(a), "fw", W_EXITED(3), longline, 0);
	CHECK_EQ_INT(n, strlen("error fw exited with status 3: ") + SV_CTL_OUTPUT_MAX + 1);
	CHECK(a[n - 1] == '\n' && memchr(a, '\n', n - 1) == NULL);
	sv_ctl_action_answer(a, sizeof(a), "fw", W_SIGNALED(SIGSEGV), "x", 0);
	CHECK_EQ_STR(a, "error fw killed by signal 11\n");
	sv_ctl_action_answer(a, sizeof(a), "fw", W_SIGNALED(SIGKILL), "x", 60);
	CHECK_EQ_STR(a, "error fw killed by signal 9 (ran longer than 60 s)\n");
	/* a small buffer: cut, still ending in a newline */
	n = sv_ctl_action_answer(a, 12, "firewall", W_EXITED(1), "x", 0);
	CHECK_EQ_INT(n, 11);
	CHECK_EQ_STR(a, "error fire\n");
	/* the fixed answers */
	CHECK_EQ_STR(SV_CTL_BAD_REQUEST, "error expected 'restart SERVICE' or 'run ACTION'\n");
	/* a requested restart's log line */
	sv_exit_message(a, sizeof(a), "timed", W_SIGNALED(SIGTERM), SV_AFTER_REQUESTED, 0);
	CHECK_EQ_STR(a, "service timed killed by signal 15 (SIGTERM); restarting now (requested)");
}

/* ---------------------------------------------------------------- environment */

static void test_exec_env(void)
{
	static struct sv_exec x;
	static const char *const onready[] = {"/bin/sh", "-c", "echo ok"};
	int i;

	CHECK_EQ_INT(parse("command /usr/sbin/ntsd -f\nuser a\nlisten udp 127.0.0.1 123 ntp\n"
	                   "listen tcp ::1 4460 nts-ke\nready notify\nenv LANG=C\n"),
	             0);
	CHECK_EQ_INT(sv_exec_build(&x, "ntsd", &conf, 0, NULL, 3 + conf.nlisten), 0);
	CHECK_EQ_STR(x.argv[0], "/usr/sbin/ntsd");
	CHECK_EQ_STR(x.argv[1], "-f");
	CHECK(x.argv[2] == NULL);
	CHECK_EQ_STR(x.envp[0], "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	CHECK_EQ_STR(x.envp[1], "TG_SERVICE=ntsd");
	CHECK_EQ_STR(x.envp[2], "TG_LISTEN_FDS=2");
	CHECK_EQ_STR(x.envp[3], "TG_LISTEN_NAMES=ntp:nts-ke");
	CHECK_EQ_STR(x.envp[4], "TG_NOTIFY_FD=5");
	CHECK_EQ_STR(x.envp[5], "LANG=C");
	CHECK(x.envp[6] == NULL);

	/* no sockets, no notify: no TG_LISTEN_* or TG_NOTIFY_FD; env may replace PATH */
	CHECK_EQ_INT(parse("command /bin/x\nuser a\nenv PATH=/opt/bin\n"), 0);
	CHECK_EQ_INT(sv_exec_build(&x, "t", &conf, 0, NULL, -1), 0);
	CHECK_EQ_STR(sv_exec_getenv(&x, "PATH"), "/opt/bin");
	CHECK(sv_exec_getenv(&x, "TG_LISTEN_FDS") == NULL);
	CHECK(sv_exec_getenv(&x, "TG_LISTEN_NAMES") == NULL);
	CHECK(sv_exec_getenv(&x, "TG_NOTIFY_FD") == NULL);
	for (i = 0; x.envp[i]; i++)
		CHECK(strncmp(x.envp[i], "PATH=", 5) != 0 || i == 1);

	/* a bare command (on-ready) */
	CHECK_EQ_INT(sv_exec_build(&x, "on-ready", NULL, 3, onready, -1), 0);
	CHECK_EQ_STR(x.argv[2], "echo ok");
	CHECK(x.argv[3] == NULL);
	CHECK_EQ_STR(sv_exec_getenv(&x, "TG_SERVICE"), "on-ready");
	CHECK(x.envp[2] == NULL);
	CHECK_EQ_INT(sv_exec_build(&x, "on-ready", NULL, 0, onready, -1), -1);
}

/* ---------------------------------------------------------------- lines and records */

struct lines {
	int n;
	char text[64][SV_LINE_MAX + 1];
	size_t len[64];
	int trunc[64];
};

static void collect(void *arg, const char *line, size_t len, int truncated)
{
	struct lines *ls = arg;

	if (ls->n >= 64)
		return;
	memcpy(ls->text[ls->n], line, len);
	ls->text[ls->n][len] = '\0';
	ls->len[ls->n] = len;
	ls->trunc[ls->n] = truncated;
	ls->n++;
}

static void test_linebuf_basic(void)
{
	static struct lines ls;
	struct sv_linebuf lb;

	memset(&ls, 0, sizeof(ls));
	sv_linebuf_init(&lb);
	sv_linebuf_feed(&lb, "one\ntw", 6, collect, &ls);
	CHECK_EQ_INT(ls.n, 1);
	sv_linebuf_feed(&lb, "o\n\nthr", 6, collect, &ls);
	CHECK_EQ_INT(ls.n, 3);
	sv_linebuf_feed(&lb, "ee", 2, collect, &ls);
	CHECK_EQ_INT(ls.n, 3);
	/* the pipe closed: the partial line is flushed */
	sv_linebuf_flush(&lb, collect, &ls);
	CHECK_EQ_INT(ls.n, 4);
	CHECK_EQ_STR(ls.text[0], "one");
	CHECK_EQ_STR(ls.text[1], "two");
	CHECK_EQ_STR(ls.text[2], "");
	CHECK_EQ_STR(ls.text[3], "three");
	CHECK(!ls.trunc[0] && !ls.trunc[3]);
	/* nothing pending: nothing flushed */
	sv_linebuf_flush(&lb, collect, &ls);
	CHECK_EQ_INT(ls.n, 4);
}

static void test_linebuf_truncation(void)
{
	static struct lines ls;
	static char big[3 * SV_LINE_MAX];
	struct sv_linebuf lb;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	memset(&ls, 0, sizeof(ls));
	sv_linebuf_init(&lb);

	/* exactly SV_LINE_MAX bytes: kept whole */
	sv_linebuf_feed(&lb, big, SV_LINE_MAX, collect, &ls);
	sv_linebuf_feed(&lb, "\n", 1, collect, &ls);
	CHECK_EQ_INT(ls.n, 1);
	CHECK_EQ_INT(ls.len[0], SV_LINE_MAX);
	CHECK_EQ_INT(ls.trunc[0], 0);

	/* one byte more: cut at SV_LINE_MAX and marked, the rest dropped */
	sv_linebuf_feed(&lb, big, SV_LINE_MAX + 1, collect, &ls);
	CHECK_EQ_INT(ls.n, 2);
	CHECK_EQ_INT(ls.len[1], SV_LINE_MAX);
	CHECK_EQ_INT(ls.trunc[1], 1);
	CHECK(memcmp(ls.text[1], big, SV_LINE_MAX) == 0);
	sv_linebuf_feed(&lb, "tail of it\nnext\n", 16, collect, &ls);
	CHECK_EQ_INT(ls.n, 3);
	CHECK_EQ_STR(ls.text[2], "next");

	/* a long line in small pieces; its tail dropped up to the newline, also at flush */
	for (i = 0; i < sizeof(big); i += 7)
		sv_linebuf_feed(&lb, big + i, sizeof(big) - i < 7 ? sizeof(big) - i : 7, collect,
		                &ls);
	CHECK_EQ_INT(ls.n, 4);
	CHECK_EQ_INT(ls.trunc[3], 1);
	sv_linebuf_flush(&lb, collect, &ls);
	CHECK_EQ_INT(ls.n, 4);
	sv_linebuf_feed(&lb, "after\n", 6, collect, &ls);
	CHECK_EQ_INT(ls.n, 5);
	CHECK_EQ_STR(ls.text[4], "after");
}

/* Random streams cut at random points split the same as the reference. */
static void test_linebuf_random(void)
{
	static struct lines got;
	static char stream[4096];
	int round;

	for (round = 0; round < 200; round++) {
		struct sv_linebuf lb;
		size_t n = (size_t)(check_rand() % sizeof(stream)), i, pos, start;
		int want = 0, k;

		for (i = 0; i < n; i++) {
			unsigned r = (unsigned)(check_rand() % 100);
			stream[i] = r < 3 ? '\n' : (char)('A' + r % 26);
		}
		/* sometimes a very long line */
		if (n > 1000 && check_rand() % 2)
			memset(stream + 100, 'x', 800);
		memset(&got, 0, sizeof(got));
		sv_linebuf_init(&lb);
		for (pos = 0; pos < n;) {
			size_t c = 1 + (size_t)(check_rand() % 300);
			if (c > n - pos)
				c = n - pos;
			sv_linebuf_feed(&lb, stream + pos, c, collect, &got);
			pos += c;
		}
		sv_linebuf_flush(&lb, collect, &got);

		/* reference */
		for (start = 0, k = 0; start < n && k < 64; k++) {
			const char *nl = memchr(stream + start, '\n', n - start);
			size_t len = nl ? (size_t)(nl - (stream + start)) : n - start;
			size_t keep = len > SV_LINE_MAX ? SV_LINE_MAX : len;

			if (got.n <= k) {
				CHECK(0);
				break;
			}
			CHECK_EQ_INT(got.len[k], keep);
			CHECK_EQ_INT(got.trunc[k], len > SV_LINE_MAX);
			CHECK(memcmp(got.text[k], stream + start, keep) == 0);
			want++;
			start += len + 1;
		}
		if (got.n < 64)
			CHECK_EQ_INT(got.n, want);
	}
}

static void test_record_format(void)
{
	char out[SV_RECORD_MAX];
	static char big[SV_LINE_MAX];
	size_t n;

	n = sv_record_format(out, sizeof(out), 12345678912ull, "hello", 5, 0);
	CHECK_EQ_INT(n, strlen("[   12.345678] hello\n"));
	out[n] = '\0';
	CHECK_EQ_STR(out, "[   12.345678] hello\n");

	n = sv_record_format(out, sizeof(out), 100000ull * S_NS + 1000, "a\x1b[2Jb\tc\x7f\r", 10,
	                     0);
	out[n] = '\0';
	CHECK_EQ_STR(out, "[100000.000001] a?[2Jb\tc?\n");

	memset(big, 'z', sizeof(big));
	n = sv_record_format(out, sizeof(out), 0, big, sizeof(big), 1);
	CHECK_EQ_INT(n, 15 + SV_LINE_MAX + strlen(" [truncated]") + 1);
	CHECK(n <= sizeof(out));
	CHECK(memcmp(out + n - 13, " [truncated]\n", 13) == 0);
	CHECK(memcmp(out, "[    0.000000] zzz", 18) == 0);

	/* a too-small buffer still gets a terminated record */
	n = sv_record_format(out, 8, 0, "hello", 5, 0);
	CHECK_EQ_INT(n, 8);
	CHECK(out[7] == '\n');
}

/* ---------------------------------------------------------------- ring */

static size_t ring_dump(const struct sv_ring *r, char *out, size_t cap)
{
	uint64_t pos = 0;
	size_t o = 0, n;
	const char *p;

	while ((n = sv_ring_peek(r, &pos, UINT64_MAX, &p)) > 0) {
		CHECK(o + n <= cap);
		if (o + n > cap)
			break;
		memcpy(out + o, p, n);
		o += n;
		pos += n;
	}
	return o;
}

static void test_ring_wrap(void)
{
	char buf[64], out[128], line[32];
	struct sv_ring r;
	size_t n;
	int i;

	sv_ring_init(&r, buf, sizeof(buf));
	CHECK_EQ_INT(ring_dump(&r, out, sizeof(out)), 0);
	sv_ring_append(&r, "first\n", 6);
	sv_ring_append(&r, "second", 6); /* '\n' added */
	n = ring_dump(&r, out, sizeof(out));
	CHECK_EQ_INT(n, 13);
	CHECK(memcmp(out, "first\nsecond\n", 13) == 0);

	/* 100 lines "line NN\n" (8 bytes) through 64 bytes: the newest 8 remain, oldest first */
	for (i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "line %02d\n", i);
		sv_ring_append(&r, line, 8);
		CHECK(sv_ring_used(&r) <= sizeof(buf));
	}
	n = ring_dump(&r, out, sizeof(out));
	CHECK_EQ_INT(n, 64);
	CHECK(memcmp(out, "line 92\n", 8) == 0);
	CHECK(memcmp(out + 56, "line 99\n", 8) == 0);

	/* uneven sizes: the ring always starts at a whole line */
	for (i = 0; i < 50; i++) {
		int len = snprintf(line, sizeof(line), "%.*s%d\n", i % 13, "abcdefghijklm", i);
		sv_ring_append(&r, line, (size_t)len);
		n = ring_dump(&r, out, sizeof(out));
		CHECK(n > 0 && out[n - 1] == '\n');
		CHECK(n == (size_t)len || memchr(out, '\n', n) != NULL);
		CHECK(memcmp(out + n - (size_t)len, line, (size_t)len) == 0);
	}
}

static void test_ring_exact_and_oversize(void)
{
	char buf[16], out[32], big[40];
	struct sv_ring r;
	size_t n;

	sv_ring_init(&r, buf, sizeof(buf));
	sv_ring_append(&r, "abc\n", 4);
	/* a line exactly the ring's size replaces everything */
	sv_ring_append(&r, "0123456789abcde\n", 16);
	n = ring_dump(&r, out, sizeof(out));
	CHECK_EQ_INT(n, 16);
	CHECK(memcmp(out, "0123456789abcde\n", 16) == 0);
	/* same when the '\n' is the byte that makes it exactly fit */
	sv_ring_append(&r, "ABCDEFGHIJKLMNO", 15);
	n = ring_dump(&r, out, sizeof(out));
	CHECK_EQ_INT(n, 16);
	CHECK(memcmp(out, "ABCDEFGHIJKLMNO\n", 16) == 0);

	/* bigger than the ring: its head, cut to the ring, still one line */
	memset(big, 'B', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	sv_ring_append(&r, big, sizeof(big));
	n = ring_dump(&r, out, sizeof(out));
	CHECK_EQ_INT(n, 16);
	CHECK(memcmp(out, "BBBBBBBBBBBBBBB\n", 16) == 0);
	/* and the ring works on after it */
	sv_ring_append(&r, "x\n", 2);
	n = ring_dump(&r, out, sizeof(out));
	CHECK_EQ_INT(n, 2);
	CHECK(memcmp(out, "x\n", 2) == 0);
	sv_ring_append(&r, "", 0);
	CHECK_EQ_INT(sv_ring_used(&r), 2);
}

static void test_ring_reader(void)
{
	char buf[32], line[16];
	struct sv_ring r;
	const char *p;
	uint64_t pos, stop;
	size_t n;
	int i;

	sv_ring_init(&r, buf, sizeof(buf));
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "l%d\n", i);
		sv_ring_append(&r, line, 3);
	}
	/* a reader snapshots [start, end) and reads slowly */
	pos = r.start;
	stop = r.end;
	n = sv_ring_peek(&r, &pos, stop, &p);
	CHECK_EQ_INT(n, 12);
	pos += 3; /* took "l0\n" only */
	/* the writer overtakes it: its position moves to the oldest line kept */
	for (i = 4; i < 20; i++) {
		snprintf(line, sizeof(line), "l%d\n", i);
		sv_ring_append(&r, line, strlen(line));
	}
	n = sv_ring_peek(&r, &pos, stop, &p);
	CHECK(pos == r.start);
	/* the snapshot's end has been overwritten too: nothing left to send */
	CHECK_EQ_INT(n, 0);

	/* a reader that keeps up gets exactly the snapshot, even across the wrap */
	pos = r.start;
	stop = r.end;
	sv_ring_append(&r, "later\n", 6);
	{
		char out[64];
		size_t o = 0;

		while ((n = sv_ring_peek(&r, &pos, stop, &p)) > 0) {
			memcpy(out + o, p, n);
			o += n;
			pos += n;
		}
		/* l12..l19 filled the ring; "later" pushed out l12 and l13 */
		CHECK_EQ_INT(o, 24);
		CHECK(memcmp(out, "l14\n", 4) == 0);
		CHECK(memcmp(out + 20, "l19\n", 4) == 0);
	}
}

/* Random appends match a model: the newest whole lines that fit, oldest first. */
static void test_ring_random(void)
{
	static char buf[997], out[2048], model[65536], line[700];
	struct sv_ring r;
	size_t mlen = 0;
	int round;

	sv_ring_init(&r, buf, sizeof(buf));
	for (round = 0; round < 3000; round++) {
		size_t len = 1 + (size_t)(check_rand() % (round % 50 == 0 ? 650 : 60));
		size_t i, n, keep, off;

		for (i = 0; i + 1 < len; i++)
			line[i] = (char)('a' + check_rand() % 26);
		line[len - 1] = '\n';
		sv_ring_append(&r, line, len);

		/* model: append, then drop whole lines from the front until it fits */
		if (mlen + len > sizeof(model)) {
			mlen = 0;
			sv_ring_init(&r, buf, sizeof(buf));
			sv_ring_append(&r, line, len);
		}
		memcpy(model + mlen, line, len);
		mlen += len;
		off = 0;
		while (mlen - off > sizeof(buf)) {
			const char *nl = memchr(model + off, '\n', mlen - off);
			off = (size_t)(nl - model) + 1;
		}
		memmove(model, model + off, mlen - off);
		mlen -= off;
		keep = mlen;

		n = ring_dump(&r, out, sizeof(out));
		CHECK_EQ_INT(n, keep);
		CHECK(memcmp(out, model, keep) == 0);
		if (check_failed_now)
			break;
	}
}

int main(void)
{
	check_seed();
	RUN(test_backoff_sequence);
	RUN(test_exit_messages);
	RUN(test_conf_good);
	RUN(test_conf_defaults);
	RUN(test_conf_errors);
	RUN(test_conf_fs);
	RUN(test_conf_fs_errors);
	RUN(test_conf_limits);
	RUN(test_names);
	RUN(test_caps_table);
	RUN(test_main_conf);
	RUN(test_conf_groups);
	RUN(test_main_conf_actions);
	RUN(test_ctl_parse);
	RUN(test_ctl_answers);
	RUN(test_exec_env);
	RUN(test_linebuf_basic);
	RUN(test_linebuf_truncation);
	RUN(test_linebuf_random);
	RUN(test_record_format);
	RUN(test_ring_wrap);
	RUN(test_ring_exact_and_oversize);
	RUN(test_ring_reader);
	RUN(test_ring_random);
	return check_exit();
}
