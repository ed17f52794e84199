package cilium_test

import (
	"log/slog"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/render"
)

// clusterName is the local cluster's name in every test that parses objects the way an
// agent would (Parse adds it to pod selectors that name no cluster).
const clusterName = "default"

var quiet = slog.New(slog.DiscardHandler)

// newObject gives golden.RoundTrip the upstream types this backend emits.
func newObject(apiVersion, kind string) (render.Object, bool) {
	if apiVersion != "cilium.io/v2" {
		return nil, false
	}
	switch kind {
	case "CiliumNetworkPolicy":
		return &ciliumv2.CiliumNetworkPolicy{}, true
	case "CiliumClusterwideNetworkPolicy":
		return &ciliumv2.CiliumClusterwideNetworkPolicy{}, true
	}
	return nil, false
}

// parsed is one object after the agent's parsing: Sanitize, namespace and cluster scoping.
type parsed struct {
	name  string
	rules api.Rules
}

// parseAll runs Cilium's own Parse (with Sanitize) on a copy of every object, as the agent
// does when it imports a policy, and fails t on any error. Parse rewrites its receiver, so
// the emitted objects are never parsed themselves.
func parseAll(t testing.TB, res *cilium.Result) []parsed {
	t.Helper()
	var out []parsed
	for _, o := range res.CiliumNetworkPolicies {
		rules, err := o.DeepCopy().Parse(quiet, clusterName)
		if err != nil {
			t.Errorf("CiliumNetworkPolicy %s/%s: %v", o.Namespace, o.Name, err)
			continue
		}
		out = append(out, parsed{name: o.Namespace + "/" + o.Name, rules: rules})
	}
	for _, o := range res.CiliumClusterwideNetworkPolicies {
		rules, err := o.DeepCopy().Parse(quiet, clusterName)
		if err != nil {
			t.Errorf("CiliumClusterwideNetworkPolicy %s: %v", o.Name, err)
			continue
		}
		out = append(out, parsed{name: o.Name, rules: rules})
	}
	return out
}
