/* two members with a static function of the same name: report --by-insn
 * must write OBJECT.o:SYMBOL for them */
static __attribute__((noinline)) int helper(const int *p)
{
	return p[2] * 3;
}

int from_b(const int *p)
{
	return helper(p);
}
