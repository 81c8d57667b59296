#!/usr/bin/perl
# uboot-env-patch.pl IN OUT NAME=VALUE... -NAME...
#
# Rewrite the default environment compiled into a U-Boot binary (Debian's
# u-boot-qemu keeps it as plain "name=value\0...\0\0" text, without a
# checksum): set or add NAME=VALUE, delete -NAME.  The block keeps its size
# (the rest is NUL padding, where U-Boot's import stops), so nothing else
# in the binary moves.  Fails unless exactly one environment block is found
# and the result fits.
use strict;
use warnings;

my ($in, $out, @edits) = @ARGV;
die "usage: $0 IN OUT NAME=VALUE... -NAME...\n" unless defined $out && @edits;
open(my $fh, '<:raw', $in) or die "$in: $!\n";
my $bin = do { local $/; <$fh> };
close $fh;

my @blocks;
while ($bin =~ /((?:[a-z_][a-z_0-9]*=[\x20-\x7e]*\0){8,})\0/g) {
	my ($text, $end) = ($1, pos($bin));
	push @blocks, [$end - length($text) - 1, length($text) + 1, $text]
		if $text =~ /(?:^|\0)bootcmd=/ && $text =~ /(?:^|\0)bootdelay=/;
}
die "$in: expected one default environment, found " . scalar(@blocks) . "\n" unless @blocks == 1;
my ($off, $len, $text) = @{$blocks[0]};

my @vars = map { [split /=/, $_, 2] } split /\0/, $text;
for my $e (@edits) {
	if ($e =~ /^-(\w+)$/) {
		my $n = $1;
		die "$in: no variable $n to delete\n" unless grep { $_->[0] eq $n } @vars;
		@vars = grep { $_->[0] ne $n } @vars;
	} elsif ($e =~ /^(\w+)=(.*)$/s) {
		my ($n, $v) = ($1, $2);
		my ($var) = grep { $_->[0] eq $n } @vars;
		if ($var) { $var->[1] = $v } else { push @vars, [$n, $v] }
	} else {
		die "bad edit '$e' (expected NAME=VALUE or -NAME)\n";
	}
}
my $new = join('', map { "$_->[0]=$_->[1]\0" } @vars) . "\0";
die sprintf("%s: edited environment is %d bytes, the block holds %d\n", $in, length $new, $len)
	if length $new > $len;
substr($bin, $off, $len) = $new . ("\0" x ($len - length $new));
open($fh, '>:raw', $out) or die "$out: $!\n";
print $fh $bin or die "$out: $!\n";
close $fh or die "$out: $!\n";
