/* HTTP transport over libcurl (issue 5 fills this in). */
#include "internal.h"

void piam__http_free(piam_client *c)
{
	(void)c;
}
