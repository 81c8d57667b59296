/*
 * test_verity.c - parsing /etc/verity.conf and the dm table it becomes.
 */
#include "check.h"

#include "../../services/boot/verity.h"

static const char good[] =
	"roothash=cb8f179b3f32bc99aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	"salt=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
	"data_blocks=274\n"
	"hash_start_block=274\n";

static void test_parse_good(void)
{
	struct tg_verity v;
	char err[200] = "", table[512];

	CHECK_EQ_INT(tg_verity_parse(good, sizeof good - 1, &v, err, sizeof err), 0);
	CHECK_EQ_INT(v.data_blocks, 274);
	CHECK_EQ_INT(v.hash_start_block, 274);
	CHECK_EQ_STR(v.salt, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	CHECK_EQ_INT(tg_verity_table(&v, "/dev/vda5", table, sizeof table), 0);
	CHECK_EQ_STR(table, "1 /dev/vda5 /dev/vda5 4096 4096 274 274 sha256 "
			    "cb8f179b3f32bc99aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
			    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef "
			    "1 restart_on_corruption");
	/* a table that does not fit is refused, not truncated */
	CHECK_EQ_INT(tg_verity_table(&v, "/dev/vda5", table, 100), -1);
}

static void expect_error(const char *conf, const char *msg)
{
	struct tg_verity v;
	char err[200] = "";

	CHECK_EQ_INT(tg_verity_parse(conf, strlen(conf), &v, err, sizeof err), -1);
	if (!strstr(err, msg))
		fprintf(stderr, "  got '%s', expected '%s'\n", err, msg);
	CHECK(strstr(err, msg) != NULL);
}

static void test_parse_errors(void)
{
	expect_error("", "missing roothash");
	expect_error("roothash\n", "line 1: expected KEY=VALUE");
	/* upper-case and short hashes are not what the build writes */
	expect_error("roothash=CB8F\n", "line 1: expected roothash=<64 hex>");
	expect_error("salt=zz\n", "expected roothash=<64 hex>, salt=<64 hex>");
	expect_error("roothash=cb8f179b3f32bc99aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		     "salt=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		     "data_blocks=0\nhash_start_block=1\n",
		     "line 3:");
	expect_error("roothash=cb8f179b3f32bc99aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		     "salt=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		     "data_blocks=10\nhash_start_block=9\n",
		     "overlaps");
	expect_error("roothash=cb8f179b3f32bc99aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		     "salt=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		     "data_blocks=99999999999999999999\nhash_start_block=9\n",
		     "line 3:");
	expect_error("roothash=cb8f179b3f32bc99aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		     "salt=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		     "data_blocks=5\n",
		     "missing hash_start_block");
}

int main(void)
{
	RUN(test_parse_good);
	RUN(test_parse_errors);
	return check_exit();
}
