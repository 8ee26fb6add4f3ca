/* SigV4 signing (issue 3 fills this in). */
#include "internal.h"

void piam__sigv4_free(piam_client *c)
{
	(void)c;
}
