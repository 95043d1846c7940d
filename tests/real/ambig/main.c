#include <stdio.h>

int from_a(const int *p);
int from_b(const int *p);

int main(void)
{
	static const int v[4] = { 1, 2, 3, 4 };

	printf("%d %d\n", from_a(v), from_b(v));
	return 0;
}
