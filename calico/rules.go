package calico

import (
	"encoding/json"
	"github.com/netintent/netintent/internal/backend"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
	"github.com/projectcalico/api/pkg/lib/numorstring"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// entity is the peer side of a Calico rule: one EntityRule without ports.
type entity struct {
	any     bool
	pods    bool
	nets    []string
	notNets []string
	// nsSel is the namespaceSelector; empty means the policy's own namespace (only in a
	// NetworkPolicy, where Calico limits a rule's selectors to that namespace).
	nsSel string
	// sel is the pod selector, all() for every pod of the namespaces.
	sel string
	sa  string
}

// entityClass is what two entities must share to merge into one EntityRule: everything
// but the pod selector (pods), or everything but the nets (addresses).
type entityClass struct {
	any, pods bool
	nsSel, sa string
	v6        bool
	notNets   string
}

func (e entity) class() entityClass {
	switch {
	case e.any:
		return entityClass{any: true}
	case e.pods:
		return entityClass{pods: true, nsSel: e.nsSel, sa: e.sa}
	}
	return entityClass{v6: strings.Contains(e.nets[0], ":"), notNets: strings.Join(e.notNets, ",")}
}

// entityKey identifies an entity.
type entityKey struct {
	entityClass
	sel, nets string
}

func (e entity) key() entityKey {
	return entityKey{e.class(), e.sel, strings.Join(e.nets, ",")}
}

// traffic is the protocol side of a Calico rule, which matches one protocol only.
type traffic struct {
	// proto is empty for every protocol.
	proto string
	// ports are destination ports of proto; nil is every port.
	ports []numorstring.Port
	icmp  *calicov3.ICMPFields
	http  *calicov3.HTTPMatch
}

// trafficKey identifies a traffic. The first port is kept apart from the rest, so that the
// key of a traffic with at most one port, the common one, takes no allocation.
type trafficKey struct {
	proto string
	port  numorstring.Port
	// rest holds the HTTP match, the ICMP fields and the further ports.
	rest string
}

func (t traffic) key() trafficKey {
	k := trafficKey{proto: t.proto}
	ports := t.ports
	if len(ports) > 0 {
		k.port, ports = ports[0], ports[1:]
	}
	if t.http == nil && t.icmp == nil && len(ports) == 0 {
		return k
	}
	var b strings.Builder
	if t.http != nil {
		j, _ := json.Marshal(t.http)
		b.WriteByte(0)
		b.Write(j)
	}
	if t.icmp != nil {
		b.WriteString("\x00icmp ")
		b.WriteString(strconv.Itoa(*t.icmp.Type))
		if t.icmp.Code != nil {
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(*t.icmp.Code))
		}
	}
	for _, p := range ports {
		b.WriteByte(0)
		b.WriteString(p.String())
	}
	k.rest = b.String()
	return k
}

// rules translates the rules of direction d (only those with action only, unless it is
// empty, followed by extra if not nil) into Calico rules for e. Calico decides on the
// first matching rule, so only runs of consecutive rules with the same action are merged:
// within such a run the rules form a union, which merging preserves.
func (c *compiler) rules(e *emitted, d policy.Direction, rs []policy.Rule, only policy.Action, extra *policy.Rule) []calicov3.Rule {
	s := &c.scratch
	s.ports = s.ports[:0]
	sel := s.rules[:0]
	for i := range rs {
		if only == "" || rs[i].Action == only {
			sel = append(sel, &rs[i])
		}
	}
	if extra != nil {
		sel = append(sel, extra)
	}
	s.rules = sel
	pairs := s.pairs[:0]
	for i := 0; i < len(sel); {
		j := i
		for j < len(sel) && sel[j].Action == sel[i].Action {
			j++
		}
		pairs = c.run(pairs, e, d, sel[i:j])
		i = j
	}
	s.pairs = pairs
	if len(pairs) == 0 {
		return nil
	}
	out := make([]calicov3.Rule, len(pairs))
	// The rules' protocols and ports, allocated at once; the ports are copied out of the
	// compiler's buffer.
	var protos []numorstring.Protocol
	var ports []numorstring.Port
	for i := range pairs {
		p := &pairs[i]
		var proto *numorstring.Protocol
		if p.traffic.proto != "" {
			if protos == nil {
				protos = make([]numorstring.Protocol, len(pairs))
			}
			protos[i] = numorstring.ProtocolFromString(p.traffic.proto)
			proto = &protos[i]
		}
		if p.traffic.ports != nil {
			if ports == nil {
				n := 0
				for j := i; j < len(pairs); j++ {
					n += len(pairs[j].traffic.ports)
				}
				ports = make([]numorstring.Port, 0, n)
			}
			at := len(ports)
			ports = append(ports, p.traffic.ports...)
			p.traffic.ports = ports[at:len(ports):len(ports)]
		}
		calicoRule(&out[i], p.action, d, p.entity, p.traffic, proto)
	}
	return out
}

// rulePair is one Calico rule before rendering.
type rulePair struct {
	action  calicov3.Action
	entity  entity
	traffic traffic
}

// scratch holds the buffers that translating rules needs, reused from one rules call to
// the next by the compiler (which translates on one goroutine): rules copies out what it
// emits.
type scratch struct {
	rules []*policy.Rule
	pairs []rulePair
	// ports holds the ports of the traffics of a rules call.
	ports []numorstring.Port
	// ents holds the peers of one rule, or a group of them; distinct holds the distinct
	// peers of a run, in order of first appearance, numbered by entNums.
	ents     []entity
	distinct []entity
	entNums  numbering[entityKey]
	// trs holds the traffics of every rule of a run, group a group of them; trOrder holds
	// the distinct merged traffics, in order of first appearance, numbered by trNums.
	trs     []traffic
	group   []traffic
	trOrder []traffic
	trNums  numbering[trafficKey]
	// byEnt pairs peers with the traffics of their rules, then byTr peers with merged
	// traffics. They hold indexes only, which are cheaper to sort than values.
	byEnt, byTr []entTraffic
}

// entities translates the peers of r, appending to out; peers that can match nothing, or
// that need no rule, yield none.
func (c *compiler) entities(out []entity, e *emitted, d policy.Direction, r *policy.Rule) []entity {
	for i := range r.Peers {
		x := &r.Peers[i]
		path := func() *field.Path { return r.Path.Child("peers").Index(i) }
		switch x.Kind {
		case policy.PeerAny:
			out = append(out, entity{any: true})
		case policy.PeerPods:
			if x.Cluster != "" {
				c.Refuse(path().Child("cluster"), constructClusterMesh,
					"Calico open source has no endpoints of other clusters (federated endpoint identity is Calico Enterprise)")
				continue
			}
			en := entity{pods: true, sa: x.ServiceAccount}
			var err error
			switch {
			case x.AllNamespaces:
				en.nsSel = allSelector
			case x.NamespaceSelector != nil:
				en.nsSel, err = namespaceSelectorExpr(x.NamespaceSelector)
			case e.namespace != "" && x.Namespace == e.namespace:
			default:
				en.nsSel, err = c.namespaceExpr(x.Namespace)
			}
			if err == nil {
				en.sel, err = c.podsExpr(x.PodSelector)
			}
			if err != nil {
				c.Refuse(path(), constructSelector, err.Error())
				continue
			}
			out = append(out, en)
		case policy.PeerCIDR:
			if len(c.opts.Ranges) == 0 {
				c.Refuse(path(), constructCIDR,
					"Calico's nets also match pod, node and API-server addresses, while a CIDR peer means addresses outside the cluster, "+
						"and no selector excludes them (a notSelector limits a namespaced policy's rule to workloads, and nodes have no labels "+
						"without host endpoints); the cluster's ranges must be cut out of the nets, and the backend does not know them",
					backend.Exact(optClusterCIDRs))
				continue
			}
			if en, ok := c.cidrEntity(x.CIDR, x.Except); ok {
				out = append(out, en)
			}
		case policy.PeerFQDN:
			c.Refuse(path(), constructFQDN,
				"Calico open source has no DNS-based rules: the domains field is Calico Enterprise only and absent from the projectcalico.org/v3 API of Calico 3.31")
		case policy.PeerEntity:
			out = append(out, c.entityPeer(e, d, r, x.Entity, path())...)
		}
	}
	return out
}

// podsExpr is selectorExpr(sel). The selector of a service, the most common, is found
// with a lookup of the service label: ranging over the labels would take longer than
// making the expression.
func (c *compiler) podsExpr(sel *metav1.LabelSelector) (string, error) {
	if sel != nil && len(sel.MatchLabels) == 1 && len(sel.MatchExpressions) == 0 {
		if v, ok := sel.MatchLabels[c.model.ServiceLabel]; ok {
			return equalityExpr(c.model.ServiceLabel, v)
		}
	}
	return selectorExpr(sel)
}

// namespaceExpr is namespaceNameExpr(name), made once per namespace.
func (c *compiler) namespaceExpr(name string) (string, error) {
	if expr, ok := c.nsExprs[name]; ok {
		return expr, nil
	}
	expr, err := namespaceNameExpr(name)
	if err == nil {
		c.nsExprs[name] = expr
	}
	return expr, err
}

// cidrEntity is the addresses of cidr outside the cluster (the ranges of ClusterCIDRs),
// minus except. It reports false when every address of cidr is in the cluster: the peer
// then matches nothing and yields no entity (an entity without nets would match every
// address).
func (c *compiler) cidrEntity(cidr netip.Prefix, except []netip.Prefix) (entity, bool) {
	var notNets []string
	for _, x := range except {
		notNets = append(notNets, x.String())
	}
	for _, cr := range c.opts.Ranges {
		switch {
		case cr.Addr().Is4() != cidr.Addr().Is4():
		case cr.Bits() <= cidr.Bits() && cr.Contains(cidr.Addr()):
			// Every address of the range is in-cluster: the peer has no address.
			return entity{}, false
		case cidr.Contains(cr.Addr()):
			notNets = append(notNets, cr.String())
		}
	}
	if len(notNets) > 0 {
		notNets = sortedPrefixes(notNets)
	}
	return entity{nets: []string{cidr.String()}, notNets: notNets}, true
}

// The catch-all ranges of each family.
var (
	allIPv4 = netip.MustParsePrefix("0.0.0.0/0")
	allIPv6 = netip.MustParsePrefix("::/0")
)

// entityPeer translates an entity peer at path.
func (c *compiler) entityPeer(e *emitted, d policy.Direction, r *policy.Rule, ent policy.Entity, path *field.Path) []entity {
	var out []entity
	switch ent {
	case policy.EntityWorld:
		switch {
		case len(c.opts.Ranges) > 0:
			for _, all := range []netip.Prefix{allIPv4, allIPv6} {
				if en, ok := c.cidrEntity(all, nil); ok {
					out = append(out, en)
				}
			}
		case c.opts.worldAsNets:
			out = append(out, entity{nets: []string{allIPv4.String()}}, entity{nets: []string{allIPv6.String()}})
			e.Warn(path, "world translated to nets 0.0.0.0/0 and ::/0, which also match pod and node addresses")
		default:
			c.Refuse(path, constructWorld,
				"Calico matches nets against every address, pods and nodes included, and has no selector for addresses outside the cluster",
				backend.Exact(optClusterCIDRs), backend.Lossy(optWorldAsNets))
		}
	case policy.EntityCluster:
		if len(c.opts.Ranges) == 0 {
			c.Refuse(path, constructClusterEntity,
				"Calico has no selector for nodes and the API server without host endpoints",
				backend.Exact(optClusterCIDRs))
			break
		}
		byFamily := map[bool][]string{}
		for _, cr := range c.opts.Ranges {
			byFamily[cr.Addr().Is4()] = append(byFamily[cr.Addr().Is4()], cr.String())
		}
		for _, v4 := range []bool{true, false} {
			if nets := byFamily[v4]; len(nets) > 0 {
				out = append(out, entity{nets: sortedPrefixes(nets)})
			}
		}
	case policy.EntityHost:
		if d == policy.Ingress && r.Action == policy.Allow {
			// Felix never applies a workload's ingress policy to traffic from its own
			// node (felix/rules/static.go: "We don't currently police host -> endpoint"),
			// so this allow holds without a rule.
			break
		}
		detail := "Calico has no selector for a workload's own node: without host endpoints only its address could name it, and nodes' addresses are not known to the backend"
		if d == policy.Ingress {
			detail = "Felix never polices traffic from a node to its own workloads, so it cannot " + strings.ToLower(string(r.Action)) + " it"
		}
		c.Refuse(path, constructHostEntity, detail)
	default:
		c.Refuse(path, constructEntity.Of(string(ent)),
			"Calico has no selector for nodes or the API server without host endpoints, and their addresses are not known to the backend")
	}
	return out
}
