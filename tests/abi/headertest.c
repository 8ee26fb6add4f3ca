/* The public header alone, compiled as strict C99 (and, renamed, as C++). */
#include <piam/piam.h>

int main(void)
{
	piam_client *c = 0;
	int rc = piam_client_new(&c, 0);

	piam_client_free(c);
	return rc == PIAM_OK && piam_version()[0] != '\0' ? 0 : 1;
}
