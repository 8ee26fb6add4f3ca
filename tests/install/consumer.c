/* An outside program built against an installed piam through pkg-config. */
#include <piam/piam.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	piam_client *client;
	int rc;

	if (piam_client_new(&client, NULL) != PIAM_OK)
		return 1;
	rc = piam_client_set_region(client, "not a region");
	printf("%s %s %s\n", piam_version(), piam_status_name(rc), piam_client_error_message(client));
	piam_client_free(client);
	return rc == PIAM_EINVAL ? 0 : 1;
}
