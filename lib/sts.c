/* STS GetCallerIdentity (the credentials helper calls piam__query_call for AssumeRole itself). */
#include "ops.h"

int piam__sts_get_caller_identity(piam_aws_result **out, piam_client *c)
{
	const struct piam__xml_node *node;
	struct piam__xml *doc;
	piam_aws_result *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = piam__query_call(c, PIAM__SVC_STS, "GetCallerIdentity", NULL, 0, NULL, &doc)))
		return rc;
	node = piam__xml_find(piam__xml_root(doc), "GetCallerIdentityResult");
	if (!node || !piam__xml_text(node, "Account") || !piam__xml_text(node, "Arn"))
		rc = piam__error(c, PIAM_EPROTOCOL, "GetCallerIdentity: the reply has no Account or Arn");
	else if (!(rc = piam__result_new(c, &r)))
		rc = piam__result_add_xml(c, r, node);
	piam__xml_free(c, doc);
	if (rc)
		piam_aws_result_free(r);
	else
		*out = r;
	return rc;
}

PIAM_API int piam_sts_get_caller_identity(piam_aws_result **out, piam_client *client)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	return piam__sts_get_caller_identity(out, client);
}
