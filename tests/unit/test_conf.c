/*
 * test_conf.c - the configuration parser: accepted syntax (quotes,
 * escapes, comments, CRLF, last line without '\n'), each error message
 * naming file, line and expectation, the number/bool/choice/string
 * helpers, tg_conf_load on real files, and a seeded random-input loop.
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

struct cfg {
	char user[32];
	char cmd[TG_CONF_ARGS_MAX][64];
	int ncmd;
	char listen[4][64];
	int nlisten;
	uint64_t port;
	int verbose;
	int mode;
	int calls;
};

static int h_user(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct cfg *c = ctx;

	c->calls++;
	CHECK_EQ_INT(argc, 1);
	CHECK(argv[argc] == NULL);
	return tg_conf_str(argv[0], c->user, sizeof(c->user), err, errlen);
}

static int h_command(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct cfg *c = ctx;
	int i;

	c->calls++;
	CHECK(argv[argc] == NULL);
	for (i = 0; i < argc; i++)
		if (tg_conf_str(argv[i], c->cmd[i], sizeof(c->cmd[i]), err, errlen) < 0)
			return -1;
	c->ncmd = argc;
	return 0;
}

static int h_listen(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct cfg *c = ctx;

	c->calls++;
	(void)argc;
	if (c->nlisten >= 4) {
		snprintf(err, errlen, "at most 4 'listen' lines");
		return -1;
	}
	return tg_conf_str(argv[0], c->listen[c->nlisten++], sizeof(c->listen[0]), err, errlen);
}

static int h_port(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct cfg *c = ctx;

	c->calls++;
	(void)argc;
	return tg_conf_u64(argv[0], 1, 65535, &c->port, err, errlen);
}

static int h_verbose(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct cfg *c = ctx;

	c->calls++;
	(void)argc;
	return tg_conf_bool(argv[0], &c->verbose, err, errlen);
}

static int h_mode(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const modes[] = {"server", "client", "off", NULL};
	struct cfg *c = ctx;

	c->calls++;
	(void)argc;
	return tg_conf_choice(argv[0], modes, &c->mode, err, errlen);
}

static int h_silent_fail(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	(void)err;
	(void)errlen;
	return -1;
}

static const struct tg_conf_key keys[] = {
    {"user", 1, 1, TG_CONF_REQUIRED, h_user},
    {"command", 1, TG_CONF_ARGS_MAX, TG_CONF_REQUIRED, h_command},
    {"listen", 1, 3, TG_CONF_MULTI, h_listen},
    {"port", 1, 1, 0, h_port},
    {"verbose", 1, 1, 0, h_verbose},
    {"mode", 1, 1, 0, h_mode},
    {"flag", 0, 0, 0, NULL},
    {"broken", 0, 0, 0, h_silent_fail},
    {NULL, 0, 0, 0, NULL},
};

static int parse(const char *text, size_t len, struct cfg *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	return tg_conf_parse(text, len, "x.conf", keys, c, err, errlen);
}

static int parse_s(const char *text, struct cfg *c, char *err)
{
	return parse(text, strlen(text), c, err, TG_CONF_ERR_MAX);
}

#define EXPECT_ERR(text, msg)                                                                      \
	do {                                                                                       \
		struct cfg c_;                                                                     \
		char e_[TG_CONF_ERR_MAX];                                                          \
		CHECK_EQ_INT(parse_s((text), &c_, e_), -1);                                        \
		CHECK_EQ_STR(e_, (msg));                                                           \
	} while (0)

static void test_valid(void)
{
	static const char text[] =
	    "# timegate test\n"
	    "\n"
	    "   \t\n"
	    "user nobody   # trailing comment\n"
	    "command /bin/tg-ntsd \"-c /data/a b.conf\" \"q\\\"uote\" \"back\\\\slash\" \"\" x#y\n"
	    "listen 192.0.2.1\n"
	    "\tlisten\t\"[2001:db8::1]:4460\"\t# tabs\n"
	    "port 4460\r\n"
	    "flag\n"
	    "verbose yes\n"
	    "mode client"; /* no final newline */
	struct cfg c;
	char err[TG_CONF_ERR_MAX];

	CHECK_EQ_INT(parse(text, sizeof(text) - 1, &c, err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_STR(c.user, "nobody");
	CHECK_EQ_INT(c.ncmd, 6);
	CHECK_EQ_STR(c.cmd[0], "/bin/tg-ntsd");
	CHECK_EQ_STR(c.cmd[1], "-c /data/a b.conf");
	CHECK_EQ_STR(c.cmd[2], "q\"uote");
	CHECK_EQ_STR(c.cmd[3], "back\\slash");
	CHECK_EQ_STR(c.cmd[4], "");
	CHECK_EQ_STR(c.cmd[5], "x");
	CHECK_EQ_INT(c.nlisten, 2);
	CHECK_EQ_STR(c.listen[1], "[2001:db8::1]:4460");
	CHECK_EQ_INT(c.port, 4460);
	CHECK_EQ_INT(c.verbose, 1);
	CHECK_EQ_INT(c.mode, 1);
	CHECK_EQ_INT(c.calls, 7);

	/* CRLF throughout, and a final CR without LF */
	CHECK_EQ_INT(parse_s("user a\r\ncommand b\r\nport 1\r", &c, err), 0);
	CHECK_EQ_STR(c.user, "a");
	CHECK_EQ_INT(c.port, 1);

	/* empty file: only the required keywords are missing */
	CHECK_EQ_INT(parse("", 0, &c, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "x.conf: missing required keyword 'user'");
	CHECK_EQ_INT(parse(NULL, 0, &c, err, sizeof(err)), -1);
}

static void test_errors(void)
{
	EXPECT_ERR("user a\ncommand b\nbad 1\n",
	           "x.conf:3: unknown keyword 'bad' (expected one of: user, command, listen, "
	           "port, verbose, mode, flag, broken)");
	EXPECT_ERR("user a\ncommand b\n\n\nport 1 2\n",
	           "x.conf:5: 'port' expects 1 argument, got 2");
	EXPECT_ERR("port\n", "x.conf:1: 'port' expects 1 argument, got 0");
	EXPECT_ERR("listen\n", "x.conf:1: 'listen' expects 1 to 3 arguments, got 0");
	EXPECT_ERR("listen a b c d\n", "x.conf:1: 'listen' expects 1 to 3 arguments, got 4");
	EXPECT_ERR("flag x\n", "x.conf:1: 'flag' expects 0 arguments, got 1");
	EXPECT_ERR("user a\ncommand b\n\n\n\n\nuser \"x\n", "x.conf:7: unterminated quote");
	EXPECT_ERR("user \"x\\\"", "x.conf:1: unterminated quote");
	EXPECT_ERR("user \"x\\", "x.conf:1: unterminated quote");
	EXPECT_ERR("user a\n", "x.conf: missing required keyword 'command'");
	EXPECT_ERR("user a\ncommand b\nuser c\n", "x.conf:3: 'user' given twice (first on line 1)");
	EXPECT_ERR("user a\ncommand b\nport 70000\n",
	           "x.conf:3: expected an integer from 1 to 65535, got '70000'");
	EXPECT_ERR("port 0x10\n", "x.conf:1: expected an integer from 1 to 65535, got '0x10'");
	EXPECT_ERR("port \"\"\n", "x.conf:1: expected an integer from 1 to 65535, got ''");
	EXPECT_ERR("port \" 1\"\n", "x.conf:1: expected an integer from 1 to 65535, got ' 1'");
	EXPECT_ERR("verbose maybe\n",
	           "x.conf:1: expected yes/no, on/off, true/false or 1/0, got 'maybe'");
	EXPECT_ERR("mode both\n", "x.conf:1: expected one of: server, client, off; got 'both'");
	EXPECT_ERR("broken\n", "x.conf:1: invalid arguments for 'broken'");
	EXPECT_ERR("user \"a\\n\"\n",
	           "x.conf:1: unknown escape '\\n' in quotes (only \\\" and \\\\)");
	EXPECT_ERR("user \"a\"b\n", "x.conf:1: expected a space after the closing quote, got 'b'");
	EXPECT_ERR("user a\"b\"\n",
	           "x.conf:1: unexpected quote inside a word (quote the whole argument)");
	EXPECT_ERR("user a\ncommand b\x01\n",
	           "x.conf:2: control character 0x01 in line (column 10)");
	EXPECT_ERR("user a\r\r\n", "x.conf:1: control character 0x0d in line (column 7)");
	EXPECT_ERR("user a\x7f\n", "x.conf:1: control character 0x7f in line (column 7)");
	/* a control character inside a comment is still an error */
	EXPECT_ERR("# \x1b[2J\n", "x.conf:1: control character 0x1b in line (column 3)");
	/* the long value echoed back is cut */
	EXPECT_ERR(
	    "port "
	    "12345678901234567890123456789012345678901234567890123456789012345678901234567890\n",
	    "x.conf:1: expected an integer from 1 to 65535, got "
	    "'1234567890123456789012345678901234567890123456789012345678901234...'");
	/* NUL bytes: named with their line */
	{
		struct cfg c;
		char e[TG_CONF_ERR_MAX];
		static const char zk[] = "user a\nuser\0b\n";

		CHECK_EQ_INT(parse(zk, sizeof(zk) - 1, &c, e, sizeof(e)), -1);
		CHECK_EQ_STR(e, "x.conf:2: NUL byte in line (column 5)");
	}
}

static void test_limits(void)
{
	char text[4 * TG_CONF_LINE_MAX], err[TG_CONF_ERR_MAX];
	struct cfg c;
	size_t n;
	int i;

	/* a line of exactly TG_CONF_LINE_MAX bytes is fine, one more is not */
	n = (size_t)snprintf(text, sizeof(text), "user a\ncommand ");
	memset(text + n, 'x', TG_CONF_LINE_MAX - 8);
	n += TG_CONF_LINE_MAX - 8;
	memcpy(text + n, "\n", 1);
	n += 1;
	/* the handler's 64-byte string is too small: the parse itself passed */
	CHECK_EQ_INT(parse(text, n, &c, err, sizeof(err)), -1);
	CHECK(strstr(err, "x.conf:2: expected at most 63 bytes, got 1016") == err);
	text[n - 1] = 'x';
	text[n] = '\n';
	CHECK_EQ_INT(parse(text, n + 1, &c, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "x.conf:2: line longer than 1024 bytes");
	/* same with CRLF: the CR is not counted */
	text[n - 1] = '\r';
	text[n] = '\n';
	CHECK_EQ_INT(parse(text, n + 1, &c, err, sizeof(err)), -1);
	CHECK(strstr(err, "x.conf:2: expected at most 63 bytes") == err);

	/* TG_CONF_ARGS_MAX arguments pass, one more does not */
	n = (size_t)snprintf(text, sizeof(text), "user a\ncommand");
	for (i = 0; i < TG_CONF_ARGS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " \"a%d\"", i);
	CHECK_EQ_INT(parse(text, n, &c, err, sizeof(err)), 0);
	CHECK_EQ_INT(c.ncmd, TG_CONF_ARGS_MAX);
	CHECK_EQ_STR(c.cmd[15], "a15");
	n += (size_t)snprintf(text + n, sizeof(text) - n, " b");
	CHECK_EQ_INT(parse(text, n, &c, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "x.conf:2: too many arguments (at most 16)");

	/* over TG_CONF_FILE_MAX */
	CHECK_EQ_INT(
	    tg_conf_parse(text, TG_CONF_FILE_MAX + 1, "big.conf", keys, &c, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "big.conf: larger than 262144 bytes");

	/* a tiny error buffer is cut, still terminated; none at all is fine */
	CHECK_EQ_INT(parse_s("bad\n", &c, err), -1);
	CHECK_EQ_INT(parse("bad\n", 4, &c, err, 8), -1);
	CHECK_EQ_STR(err, "x.conf:");
	CHECK_EQ_INT(parse("bad\n", 4, &c, NULL, 0), -1);
}

static void test_numbers(void)
{
	char err[TG_CONF_ERR_MAX];
	uint64_t u = 7;
	int64_t v = 7;

	CHECK_EQ_INT(tg_conf_u64("0", 0, 10, &u, err, sizeof(err)), 0);
	CHECK_EQ_INT(u, 0);
	CHECK_EQ_INT(tg_conf_u64("007", 0, 10, &u, err, sizeof(err)), 0);
	CHECK_EQ_INT(u, 7);
	CHECK_EQ_INT(tg_conf_u64("18446744073709551615", 0, UINT64_MAX, &u, err, sizeof(err)), 0);
	CHECK(u == UINT64_MAX);
	{
		static const char *const bad[] = {"",
		                                  "+1",
		                                  "-1",
		                                  " 1",
		                                  "1 ",
		                                  "0x10",
		                                  "1e3",
		                                  "1.0",
		                                  "18446744073709551616",
		                                  "99999999999999999999999",
		                                  "١",
		                                  NULL};
		int i;

		for (i = 0; bad[i]; i++) {
			u = 5;
			CHECK_EQ_INT(tg_conf_u64(bad[i], 0, UINT64_MAX, &u, err, sizeof(err)), -1);
			CHECK_EQ_INT(u, 5);
			CHECK(strstr(err,
			             "expected an integer from 0 to 18446744073709551615, got '") ==
			      err);
		}
	}
	CHECK_EQ_INT(tg_conf_u64("70000", 1, 65535, &u, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "expected an integer from 1 to 65535, got '70000'");
	CHECK_EQ_INT(tg_conf_u64("0", 1, 65535, &u, err, sizeof(err)), -1);
	CHECK_EQ_INT(tg_conf_u64(NULL, 1, 65535, &u, err, sizeof(err)), -1);

	CHECK_EQ_INT(
	    tg_conf_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v, err, sizeof(err)), 0);
	CHECK(v == INT64_MIN);
	CHECK_EQ_INT(tg_conf_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v, err, sizeof(err)),
	             0);
	CHECK(v == INT64_MAX);
	CHECK_EQ_INT(tg_conf_i64("-5", -10, 10, &v, err, sizeof(err)), 0);
	CHECK_EQ_INT(v, -5);
	CHECK_EQ_INT(tg_conf_i64("-0", -10, 10, &v, err, sizeof(err)), 0);
	CHECK_EQ_INT(v, 0);
	{
		static const char *const bad[] = {"",
		                                  "-",
		                                  "--1",
		                                  "+1",
		                                  "- 1",
		                                  "1-",
		                                  "0x1",
		                                  "-9223372036854775809",
		                                  "9223372036854775808",
		                                  "18446744073709551616",
		                                  NULL};
		int i;

		for (i = 0; bad[i]; i++) {
			v = 5;
			CHECK_EQ_INT(
			    tg_conf_i64(bad[i], INT64_MIN, INT64_MAX, &v, err, sizeof(err)), -1);
			CHECK_EQ_INT(v, 5);
		}
	}
	CHECK_EQ_INT(tg_conf_i64("-11", -10, 10, &v, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "expected an integer from -10 to 10, got '-11'");
}

static void test_helpers(void)
{
	static const char *const baud[] = {"4800", "9600", "115200", NULL};
	static const char *const none[] = {NULL};
	char err[TG_CONF_ERR_MAX], dst[4], small[40];
	int b = 9, i;

	for (i = 0; i < 4; i++) {
		static const char *const y[] = {"yes", "on", "true", "1"};
		static const char *const n[] = {"no", "off", "false", "0"};

		CHECK(tg_conf_bool(y[i], &b, err, sizeof(err)) == 0 && b == 1);
		CHECK(tg_conf_bool(n[i], &b, err, sizeof(err)) == 0 && b == 0);
	}
	CHECK_EQ_INT(tg_conf_bool("YES", &b, err, sizeof(err)), -1);
	CHECK_EQ_INT(tg_conf_bool("", &b, err, sizeof(err)), -1);

	CHECK_EQ_INT(tg_conf_choice("115200", baud, &b, err, sizeof(err)), 0);
	CHECK_EQ_INT(b, 2);
	CHECK_EQ_INT(tg_conf_choice("1234", baud, &b, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "expected one of: 4800, 9600, 115200; got '1234'");
	CHECK_EQ_INT(tg_conf_choice("x", none, &b, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "expected one of:; got 'x'");
	/* a long list is cut, the value seen is kept */
	CHECK_EQ_INT(tg_conf_choice("1234", baud, &b, small, sizeof(small)), -1);
	CHECK_EQ_STR(small, "expected one of: 4800, 9600; got '1234'");

	CHECK_EQ_INT(tg_conf_str("abc", dst, sizeof(dst), err, sizeof(err)), 0);
	CHECK_EQ_STR(dst, "abc");
	CHECK_EQ_INT(tg_conf_str("abcd", dst, sizeof(dst), err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "expected at most 3 bytes, got 4 ('abcd')");
	CHECK_EQ_STR(dst, "abc");
	CHECK_EQ_INT(tg_conf_str("", dst, 0, err, sizeof(err)), -1);
}

static void test_load(void)
{
	char dir[] = "/tmp/test_conf.XXXXXX", path[64], err[TG_CONF_ERR_MAX];
	static char big[TG_CONF_FILE_MAX + 2];
	struct cfg c;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "user u\ncommand c d\nport 99\n", 27) == 27);
	close(fd);

	memset(&c, 0, sizeof(c));
	CHECK_EQ_INT(tg_conf_load(path, keys, &c, err, sizeof(err)), 0);
	CHECK_EQ_STR(c.user, "u");
	CHECK_EQ_INT(c.ncmd, 2);
	CHECK_EQ_INT(c.port, 99);

	/* exactly TG_CONF_FILE_MAX bytes of comment: fine (except for the required keys) */
	fd = open(path, O_WRONLY | O_TRUNC);
	memset(big, '#', sizeof(big));
	CHECK(write(fd, big, TG_CONF_FILE_MAX) == TG_CONF_FILE_MAX);
	close(fd);
	CHECK_EQ_INT(tg_conf_load(path, keys, &c, err, sizeof(err)), -1);
	CHECK(strstr(err, "line longer than 1024 bytes") != NULL);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(write(fd, "#", 1) == 1);
	close(fd);
	CHECK_EQ_INT(tg_conf_load(path, keys, &c, err, sizeof(err)), -1);
	CHECK(strstr(err, ": larger than 262144 bytes") != NULL);

	snprintf(path, sizeof(path), "%s/none.conf", dir);
	CHECK_EQ_INT(tg_conf_load(path, keys, &c, err, sizeof(err)), -1);
	CHECK(strstr(err, "none.conf: cannot open: No such file or directory") != NULL);
	CHECK_EQ_INT(tg_conf_load(dir, keys, &c, err, sizeof(err)), -1);
	CHECK(strstr(err, ": not a regular file") != NULL);
	/* a FIFO does not hang the loader */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK_EQ_INT(tg_conf_load(path, keys, &c, err, sizeof(err)), -1);
	CHECK(strstr(err, ": not a regular file") != NULL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	unlink(path);
	rmdir(dir);
}

/* Random bytes from a small alphabet rich in syntax: never a crash, errors well-formed. */
static void test_random(void)
{
	static const char alphabet[] = "user command listen port flag \"\\#\t\r\n\n\n\x01\0a1";
	char text[512], err[TG_CONF_ERR_MAX];
	struct cfg c;
	int iter;

	check_seed();
	for (iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)(check_rand() % sizeof(text)), i;
		int rc;

		for (i = 0; i < n; i++)
			text[i] = alphabet[check_rand() % (sizeof(alphabet) - 1)];
		memset(err, 'Z', sizeof(err));
		rc = parse(text, n, &c, err, sizeof(err));
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		if (rc != 0)
			CHECK(strncmp(err, "x.conf", 6) == 0);
		else
			CHECK(err[0] == '\0');
		if (check_failed_now)
			break;
	}
}

int main(void)
{
	RUN(test_valid);
	RUN(test_errors);
	RUN(test_limits);
	RUN(test_numbers);
	RUN(test_helpers);
	RUN(test_load);
	RUN(test_random);
	return check_exit();
}
