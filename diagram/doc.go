// Package diagram draws a policy.Model for people who review policy changes by looking
// rather than by reading YAML.
//
// Mermaid and DOT draw the same graph, one for Markdown hosts that render Mermaid (GitHub,
// GitLab) and one for Graphviz:
//
//   - a box per group of pods: every policy subject and every pod peer, labelled with the
//     service name or the label selector ("all pods" when it selects every pod), inside a
//     box per namespace; a "cluster-wide" box holds cluster-scoped subjects, named after
//     their policies, and peers that span namespaces; a box per cluster-mesh cluster holds
//     remote pods;
//   - an oval, grey node per address peer (a CIDR with its exceptions, an FQDN pattern),
//     per entity (world, host, ...) and for "any", and a node for the nodes a host policy
//     selects;
//   - a solid arrow per allow rule and peer, in the direction traffic flows (ingress:
//     peer to subject; egress: subject to peer), labelled with its ports ("TCP 8080",
//     "TCP 8000-8100", "named http", "all") and L7 matches ("POST /orders",
//     "GET ~/orders/[0-9]+" for a regular expression, "DNS *.stripe.com");
//   - a red dashed arrow labelled "deny …" per deny rule, a grey dotted one labelled
//     "pass …" per Pass rule (tiered rules are numbered in evaluation order);
//   - an arrow labelled "implicit DNS" where an egress-isolated subject keeps DNS
//     (docs/semantics.md, "DNS is kept");
//   - "(default-deny)" in the title of a namespace whose pods are all isolated, and
//     "audit mode" on subjects and "(audit)" on rules of policies that only report.
//
// Mirrored rules (docs/semantics.md, "Both ends: mirroring") are not drawn: they are the other end of an edge
// that is already there. Node identifiers are stable (a readable part plus a hash of what
// the node stands for), labels are escaped for each syntax, and the output is sorted, so
// it does not depend on the order in which the Set was declared and diffs well.
//
// Matrix shows what the Model means rather than what it says: a Markdown table of the
// traffic the reference evaluator (policy.Model.Evaluate) allows between the endpoints of
// a policy.Universe. MatrixFor does the same for endpoints and probes of the caller's
// choice.
//
// A nil Model is drawn as one without policies: an empty graph, and a table without
// endpoints.
package diagram
