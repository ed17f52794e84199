package calico

import (
	"cmp"
	"encoding/json"
	"net/netip"
	"slices"
	"sort"
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

// entTraffic pairs the index of a peer in scratch.distinct with the index of a traffic.
type entTraffic struct{ ent, tr int }

// numbering numbers distinct keys in order of first appearance. The few keys of a
// typical run are searched linearly, which costs less than hashing them; a map indexes
// more.
type numbering[K comparable] struct {
	keys []K
	at   map[K]int
}

// maxLinear is the most keys numbering searches linearly.
const maxLinear = 8

// number returns the number of k and whether k is new.
func (n *numbering[K]) number(k K) (int, bool) {
	if len(n.keys) < maxLinear {
		for i := range n.keys {
			if n.keys[i] == k {
				return i, false
			}
		}
	} else {
		if len(n.at) == 0 {
			if n.at == nil {
				n.at = map[K]int{}
			}
			for i, k := range n.keys {
				n.at[k] = i
			}
		}
		if i, ok := n.at[k]; ok {
			return i, false
		}
		n.at[k] = len(n.keys)
	}
	n.keys = append(n.keys, k)
	return len(n.keys) - 1, true
}

// reset forgets every key.
func (n *numbering[K]) reset() {
	n.keys = n.keys[:0]
	if len(n.at) > 0 {
		clear(n.at)
	}
}

// run translates a run of rules with one action, appending to pairs, so that the output
// has as few rules as Calico's one-protocol-per-rule model allows: see runMerged, and
// runOne for a run of one rule.
func (c *compiler) run(pairs []rulePair, e *emitted, d policy.Direction, rs []*policy.Rule) []rulePair {
	if len(rs) == 1 {
		return c.runOne(pairs, e, d, rs[0])
	}
	return c.runMerged(pairs, e, d, rs)
}

// runOne is runMerged for a run of one rule, the commonest, without its grouping of pairs
// by peer and by traffic: every peer of one rule has the same traffic, which needs no
// merging (traffics yields one traffic per protocol, with its ports joined, per ICMP
// message and per HTTP match), and no peer is left for absorbAny to drop once
// mergeEntities has merged them (the peer for every peer absorbs the rest). TestRunOne
// checks that it agrees with runMerged.
func (c *compiler) runOne(pairs []rulePair, e *emitted, d policy.Direction, r *policy.Rule) []rulePair {
	action := calicov3.Action(r.Action)
	s := &c.scratch
	s.ents = c.entities(s.ents[:0], e, d, r)
	es := mergeEntities(s.ents)
	s.trs = c.traffics(s.trs[:0], e, d, r)
	for _, t := range s.trs {
		for _, en := range es {
			pairs = append(pairs, rulePair{action, en, t})
		}
	}
	return pairs
}

// runMerged translates a run of rules with one action, appending to pairs: each (peer,
// traffic) pair of every rule is collected, traffic is merged per peer (ports of one
// protocol join), then peers are merged per traffic (selectors of pods in the same
// namespaces join with ||, nets of the same family and exceptions join).
func (c *compiler) runMerged(pairs []rulePair, e *emitted, d policy.Direction, rs []*policy.Rule) []rulePair {
	action := calicov3.Action(rs[0].Action)
	s := &c.scratch
	s.entNums.reset()
	s.distinct, s.trs, s.byEnt = s.distinct[:0], s.trs[:0], s.byEnt[:0]
	for _, r := range rs {
		s.ents = c.entities(s.ents[:0], e, d, r)
		first := len(s.trs)
		s.trs = c.traffics(s.trs, e, d, r)
		for _, en := range s.ents {
			i, isNew := s.entNums.number(en.key())
			if isNew {
				s.distinct = append(s.distinct, en)
			}
			for t := first; t < len(s.trs); t++ {
				s.byEnt = append(s.byEnt, entTraffic{i, t})
			}
		}
	}
	// Stable sorts group the pairs by peer, then by traffic, keeping the order of the rules.
	slices.SortStableFunc(s.byEnt, func(a, b entTraffic) int { return cmp.Compare(a.ent, b.ent) })
	s.trNums.reset()
	s.trOrder, s.byTr = s.trOrder[:0], s.byTr[:0]
	for lo := 0; lo < len(s.byEnt); {
		ent, hi := s.byEnt[lo].ent, lo+1
		for hi < len(s.byEnt) && s.byEnt[hi].ent == ent {
			hi++
		}
		trs := s.trs[s.byEnt[lo].tr : s.byEnt[lo].tr+1]
		if hi-lo > 1 {
			trs = s.group[:0]
			for _, x := range s.byEnt[lo:hi] {
				trs = append(trs, s.trs[x.tr])
			}
			s.group = trs
		}
		for _, t := range mergeTraffic(trs) {
			j, isNew := s.trNums.number(t.key())
			if isNew {
				s.trOrder = append(s.trOrder, t)
			}
			s.byTr = append(s.byTr, entTraffic{ent, j})
		}
		lo = hi
	}
	slices.SortStableFunc(s.byTr, func(a, b entTraffic) int { return cmp.Compare(a.tr, b.tr) })
	start := len(pairs)
	for lo := 0; lo < len(s.byTr); {
		tr, hi := s.byTr[lo].tr, lo+1
		for hi < len(s.byTr) && s.byTr[hi].tr == tr {
			hi++
		}
		es := s.distinct[s.byTr[lo].ent : s.byTr[lo].ent+1]
		if hi-lo > 1 {
			es = s.ents[:0]
			for _, x := range s.byTr[lo:hi] {
				es = append(es, s.distinct[x.ent])
			}
			s.ents = es
		}
		for _, en := range mergeEntities(es) {
			pairs = append(pairs, rulePair{action, en, s.trOrder[tr]})
		}
		lo = hi
	}
	return append(pairs[:start], absorbAny(pairs[start:])...)
}

// absorbAny drops from the pairs of one run (a union) those that a pair for every peer
// admits already: with the same traffic, all ports of the protocol, or every protocol.
// Pairs with HTTP matches are left alone.
func absorbAny(pairs []rulePair) []rulePair {
	var anyTraffic []traffic
	for _, p := range pairs {
		if p.entity.any {
			anyTraffic = append(anyTraffic, p.traffic)
		}
	}
	if len(anyTraffic) == 0 {
		return pairs
	}
	out := pairs[:0]
	for _, p := range pairs {
		if !p.entity.any && slices.ContainsFunc(anyTraffic, func(t traffic) bool { return t.covers(p.traffic) }) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// covers reports whether t admits all that u does.
func (t traffic) covers(u traffic) bool {
	switch {
	case t.http != nil || u.http != nil:
		return false
	case t.proto == "":
		return true
	case t.proto != u.proto || t.icmp != nil:
		return t.key() == u.key()
	}
	return t.ports == nil && u.icmp == nil
}

// calicoRule renders a rule into r, which is zero; proto is t's protocol, nil for every
// protocol. Setting only the fields that the rule has, in place, keeps the garbage
// collector's write barriers off the rest of the large struct.
func calicoRule(r *calicov3.Rule, action calicov3.Action, d policy.Direction, en entity, t traffic, proto *numorstring.Protocol) {
	r.Action, r.Protocol, r.ICMP, r.HTTP = action, proto, t.icmp, t.http
	er := &r.Destination
	if d == policy.Ingress {
		er = &r.Source
		r.Destination.Ports = t.ports
	} else {
		er.Ports = t.ports
	}
	if en.any {
		return
	}
	er.Nets, er.NotNets = en.nets, en.notNets
	if en.pods {
		// Calico selectors also match NetworkSets (which inherit their namespace's
		// labels) and, without a namespace, GlobalNetworkSets and host endpoints: the
		// guard keeps the peer to pods. In a NetworkPolicy any selector also limits the
		// rule to the policy's namespace unless namespaceSelector names others.
		er.NamespaceSelector = en.nsSel
		er.Selector = workloadsOnly(en.sel)
		if en.sa != "" {
			er.ServiceAccounts = &calicov3.ServiceAccountMatch{Names: []string{en.sa}}
		}
	}
}

// mergeTraffic merges what one peer may do: every protocol absorbs the rest; all ports of
// a protocol absorb its single ports; single ports of one protocol (and one HTTP match)
// join into one list.
func mergeTraffic(ts []traffic) []traffic {
	if len(ts) == 1 {
		return ts
	}
	for _, t := range ts {
		if t.proto == "" && t.http == nil {
			return []traffic{t}
		}
	}
	var out []traffic
	type group struct {
		at    int
		ports []numorstring.Port
		all   bool
	}
	groups := map[trafficKey]*group{}
	seenICMP := map[trafficKey]bool{}
	allPorts := map[string]bool{}
	for _, t := range ts {
		if t.ports == nil && t.icmp == nil && t.http == nil {
			allPorts[t.proto] = true
		}
	}
	for _, t := range ts {
		switch {
		case t.icmp != nil:
			if !seenICMP[t.key()] {
				seenICMP[t.key()] = true
				out = append(out, t)
			}
		case allPorts[t.proto] && (t.http != nil || t.ports != nil):
			// Covered by the rule for every port of the protocol.
		default:
			k := (traffic{proto: t.proto, http: t.http}).key()
			g, ok := groups[k]
			if !ok {
				g = &group{at: len(out)}
				groups[k] = g
				out = append(out, traffic{proto: t.proto, http: t.http})
			}
			g.ports = append(g.ports, t.ports...)
			g.all = g.all || t.ports == nil
		}
	}
	for _, g := range groups {
		if !g.all {
			out[g.at].ports = sortPorts(g.ports)
		}
	}
	return out
}

// sortPorts sorts numbers and ranges before names and drops duplicates.
func sortPorts(ps []numorstring.Port) []numorstring.Port {
	slices.SortFunc(ps, func(a, b numorstring.Port) int {
		if (a.PortName == "") != (b.PortName == "") {
			if a.PortName == "" {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.MinPort, b.MinPort), cmp.Compare(a.MaxPort, b.MaxPort), strings.Compare(a.PortName, b.PortName))
	})
	out := ps[:0]
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return out
}

// mergeEntities merges the peers that share one traffic: the empty entity (every peer)
// absorbs the rest; pods of the same namespaces and service account join their selectors;
// nets of one family with the same exceptions join; then pods with the same selector in
// namespaces named one by one join their namespaces.
func mergeEntities(es []entity) []entity {
	if len(es) == 1 {
		return es
	}
	for _, e := range es {
		if e.any {
			return []entity{e}
		}
	}
	var out []entity
	sels := map[int][]string{}
	at := map[entityClass]int{}
	for _, e := range es {
		i, ok := at[e.class()]
		if !ok {
			i = len(out)
			at[e.class()] = i
			out = append(out, e)
		} else if !e.pods {
			out[i].nets = append(out[i].nets, e.nets...)
		}
		if e.pods {
			sels[i] = append(sels[i], e.sel)
		}
	}
	for i := range out {
		if out[i].pods {
			out[i].sel = orExpr(sels[i])
		} else {
			out[i].nets = sortedPrefixes(out[i].nets)
		}
	}
	return mergeNamespaces(out)
}

// mergeNamespaces joins pod entities that differ only in the namespace they name.
func mergeNamespaces(es []entity) []entity {
	var out []entity
	type podsKey struct{ sel, sa string }
	at := map[podsKey]int{}
	names := map[int][]string{}
	for _, e := range es {
		k, _, named := parseEquality(e.nsSel)
		if !e.pods || !named || k != namespaceNameLabel {
			out = append(out, e)
			continue
		}
		key := podsKey{e.sel, e.sa}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, e)
		}
		names[i] = append(names[i], e.nsSel)
	}
	for i, ns := range names {
		out[i].nsSel = orExpr(ns)
	}
	return out
}

// sortedPrefixes sorts CIDRs by address and length and drops those inside another.
func sortedPrefixes(cidrs []string) []string {
	ps := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	sort.Slice(ps, func(i, j int) bool {
		if c := ps[i].Addr().Compare(ps[j].Addr()); c != 0 {
			return c < 0
		}
		return ps[i].Bits() < ps[j].Bits()
	})
	out := make([]string, 0, len(ps))
	var last netip.Prefix
	for _, p := range ps {
		if last.IsValid() && last.Bits() <= p.Bits() && last.Contains(p.Addr()) {
			continue
		}
		last = p
		out = append(out, p.String())
	}
	return out
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
					"Calico open source has no endpoints of other clusters (federated endpoint identity is Calico Enterprise)", "")
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
				c.Refuse(path(), constructSelector, err.Error(), "")
				continue
			}
			out = append(out, en)
		case policy.PeerCIDR:
			if len(c.opts.Ranges) == 0 {
				c.Declare(path(), constructCIDR,
					"Calico's nets also match pod, node and API-server addresses, while a CIDR peer means addresses outside the cluster, "+
						"and no selector excludes them (a notSelector limits a namespaced policy's rule to workloads, and nodes have no labels "+
						"without host endpoints); the cluster's ranges must be cut out of the nets, and the backend does not know them",
					optClusterCIDRs)
				continue
			}
			if en, ok := c.cidrEntity(x.CIDR, x.Except); ok {
				out = append(out, en)
			}
		case policy.PeerFQDN:
			c.Refuse(path(), constructFQDN,
				"Calico open source has no DNS-based rules: the domains field is Calico Enterprise only and absent from the projectcalico.org/v3 API of Calico 3.31", "")
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
				"Calico matches nets against every address, pods and nodes included, and has no selector for addresses outside the cluster; declaring the cluster's address ranges with calico.ClusterCIDRs makes it exact",
				optWorldAsNets)
		}
	case policy.EntityCluster:
		if len(c.opts.Ranges) == 0 {
			c.Refuse(path, constructClusterEntity,
				"Calico has no selector for nodes and the API server without host endpoints; declaring the cluster's address ranges with calico.ClusterCIDRs makes it exact", "")
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
		c.Refuse(path, constructHostEntity, detail, "")
	default:
		c.Refuse(path, constructEntity.Of(string(ent)),
			"Calico has no selector for nodes or the API server without host endpoints, and their addresses are not known to the backend", "")
	}
	return out
}
