/* SigV4 signing (issue 3 fills this in; this stub only lets the transport link until then). */
#include "sigv4.h"

int piam__sigv4_sign(piam_client *c, const struct piam__sig_request *req,
		     const struct piam__sig_params *p, struct piam__sig_header out[4], size_t *nout)
{
	(void)req, (void)p, (void)out;
	*nout = 0;
	return piam__error(c, PIAM_EINVAL, "SigV4 signing is not available yet");
}

void piam__sigv4_free(piam_client *c)
{
	(void)c;
}
