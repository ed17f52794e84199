package golden

import (
	"fmt"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// Engine judges flows under a list of a backend's objects, as its dataplane would once
// they are applied: the judge it returns reports whether a flow is allowed.
type Engine func(objs []netintent.Object) func(policy.Flow) bool

// Prefixes applies objs one by one, in their order (the order of Objects, the WriteDir
// files and a kustomization), and judges flows after each: a flow that engine allows
// before the first object and after the last must be allowed after every one of them, so
// that no apply ever cuts what the Set allows, not even one that stops midway. It
// describes the first cut with describe, or returns "" when there is none.
func Prefixes(objs []netintent.Object, flows []policy.Flow, engine Engine, describe func(policy.Flow) string) string {
	none, all := engine(nil), engine(objs)
	var kept []policy.Flow // the flows allowed before and after
	for _, f := range flows {
		if none(f) && all(f) {
			kept = append(kept, f)
		}
	}
	for n := 1; n < len(objs); n++ {
		judge := engine(objs[:n])
		for _, f := range kept {
			if !judge(f) {
				return fmt.Sprintf("after applying object %d of %d, %s, %s is denied, which the cluster allows before and after",
					n, len(objs), objectID(objs[n-1]), describe(f))
			}
		}
	}
	return ""
}

// objectID names an object as "Kind namespace/name", or "Kind name".
func objectID(o netintent.Object) string {
	kind := o.GetObjectKind().GroupVersionKind().Kind
	if o.GetNamespace() == "" {
		return kind + " " + o.GetName()
	}
	return kind + " " + o.GetNamespace() + "/" + o.GetName()
}

// PrefixSet is a Set whose rollout Prefixes checks, with the code that builds it.
type PrefixSet struct {
	Name, Code string
	Set        *policy.Set
}

// PrefixSets are hand-written Sets whose objects overlap the way rollouts cut traffic:
// default-denies whose pods need allows mirrored into other objects, namespace-wide
// allows that service objects must repeat, a service's own default-deny, an isolated DNS
// service, subjects nested within one stage, named so that the broader sorts first, and
// subjects that overlap without nesting.
func PrefixSets() []PrefixSet {
	cases := []struct {
		name, code string
		build      func(set *policy.Set)
	}{
		{"mirrored egress", `set.Namespace("shop").DefaultDeny()
set.Service("web").AllowFrom("zz-gateway").TCP(8080)`, func(set *policy.Set) {
			set.Namespace("shop").DefaultDeny()
			set.Service("web").AllowFrom("zz-gateway").TCP(8080)
		}},
		{"mirrored ingress", `set.Namespace("shop").DefaultDeny()
set.Service("web").AllowTo("zz-db").TCP(5432)`, func(set *policy.Set) {
			set.Namespace("shop").DefaultDeny()
			set.Service("web").AllowTo("zz-db").TCP(5432)
		}},
		{"two default-denies", `set.Namespace("shop").DefaultDeny()
set.Namespace("pay").DefaultDeny()
set.ServiceIn("shop", "web").AllowTo(policy.ServiceIn("pay", "zz-api")).TCP(443)
set.ServiceIn("pay", "api").AllowFrom(policy.ServiceIn("shop", "zz-cart")).TCP(443)`, func(set *policy.Set) {
			set.Namespace("shop").DefaultDeny()
			set.Namespace("pay").DefaultDeny()
			set.ServiceIn("shop", "web").AllowTo(policy.ServiceIn("pay", "zz-api")).TCP(443)
			set.ServiceIn("pay", "api").AllowFrom(policy.ServiceIn("shop", "zz-cart")).TCP(443)
		}},
		{"namespace-wide allows and a service's", `set.Namespace("shop").DefaultDeny().AllowSameNamespace().AllowFrom(policy.Namespace("monitoring")).TCP(9090)
set.Service("web").AllowFrom(policy.ServiceIn("edge", "gateway")).TCP(8080).AllowTo(policy.Namespace("pay")).TCP(443)`, func(set *policy.Set) {
			set.Namespace("shop").DefaultDeny().AllowSameNamespace().AllowFrom(policy.Namespace("monitoring")).TCP(9090)
			set.Service("web").AllowFrom(policy.ServiceIn("edge", "gateway")).TCP(8080).AllowTo(policy.Namespace("pay")).TCP(443)
		}},
		{"a service's own default-deny", `set.Namespace("shop").AllowFrom(policy.Namespace("ops")).TCP(22)
set.Service("web").DefaultDenyEgress().AllowFrom("zz-gateway").TCP(8080)`, func(set *policy.Set) {
			set.Namespace("shop").AllowFrom(policy.Namespace("ops")).TCP(22)
			set.Service("web").DefaultDenyEgress().AllowFrom("zz-gateway").TCP(8080)
		}},
		{"the DNS service isolated", `set.Namespace("kube-system").DefaultDenyIngress()
set.Namespace("shop").DefaultDenyEgress()
set.Service("web").AllowTo("api").TCP(8080)`, func(set *policy.Set) {
			set.Namespace("kube-system").DefaultDenyIngress()
			set.Namespace("shop").DefaultDenyEgress()
			set.Service("web").AllowTo("api").TCP(8080)
		}},
		{"a pod group inside a service", `set.Service("web").AllowFrom("gateway").TCP(8080)
set.Pods("shop", "zz-batch", policy.MatchLabels{"app": "web", "tier": "batch"}).AllowFrom(policy.Namespace("ops")).TCP(9000)`, func(set *policy.Set) {
			set.Service("web").AllowFrom("gateway").TCP(8080)
			set.Pods("shop", "zz-batch", policy.MatchLabels{"app": "web", "tier": "batch"}).AllowFrom(policy.Namespace("ops")).TCP(9000)
		}},
		{"a pod group across services", `set.Service("web").AllowFrom("gateway").TCP(8080)
set.Pods("shop", "batch", policy.MatchLabels{"tier": "batch"}).AllowFrom(policy.Namespace("ops")).TCP(9000)`, func(set *policy.Set) {
			set.Service("web").AllowFrom("gateway").TCP(8080)
			set.Pods("shop", "batch", policy.MatchLabels{"tier": "batch"}).AllowFrom(policy.Namespace("ops")).TCP(9000)
		}},
		{"a cluster-wide selection inside another", `set.Cluster("all").AllowFrom(policy.Namespace("monitoring")).TCP(9090)
set.Cluster("web").Select(policy.MatchLabels{"app": "web"}).AllowFrom(policy.Namespace("edge")).TCP(8080)`, func(set *policy.Set) {
			set.Cluster("all").AllowFrom(policy.Namespace("monitoring")).TCP(9090)
			set.Cluster("web").Select(policy.MatchLabels{"app": "web"}).AllowFrom(policy.Namespace("edge")).TCP(8080)
		}},
	}
	out := make([]PrefixSet, len(cases))
	for i, c := range cases {
		set := policy.NewSet(policy.DefaultNamespace("shop"))
		c.build(set)
		out[i] = PrefixSet{Name: c.name, Code: "set := policy.NewSet(policy.DefaultNamespace(\"shop\"))\n" + c.code, Set: set}
	}
	return out
}

// RolloutSets are the Sets whose rollout the backends check with Prefixes: PrefixSets,
// every scenario, and n random Sets of features.
func RolloutSets(n uint64, features randset.Features) []PrefixSet {
	sets := PrefixSets()
	for _, s := range scenarios.All() {
		sets = append(sets, PrefixSet{Name: "scenario/" + s.Name, Set: s.Build()})
	}
	for seed := range n {
		c := randset.New(seed, 6, features)
		sets = append(sets, PrefixSet{Name: fmt.Sprintf("randset/%d", seed), Code: c.Code, Set: c.Set})
	}
	return sets
}
