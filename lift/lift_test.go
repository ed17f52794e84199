package lift_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/lift"
	"github.com/netintent/netintent/policy"
)

func TestLift(t *testing.T) {
	objs, err := lift.Decode(strings.NewReader(`
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: gateway}}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := lift.Lift(objs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := set.Model()
	if err != nil {
		t.Fatal(err)
	}
	checkFlows(t, m, []flowCase{
		{"gateway to web", policy.NewFlow(gateway, web, policy.TCP, 80), true},
		{"web to web", policy.NewFlow(web, web, policy.TCP, 80), false},
	})
	if i := slices.IndexFunc(m.Namespaces, func(n policy.NamespaceInfo) bool { return n.Name == "shop" }); i < 0 || m.Namespaces[i].Labels["team"] != "a" {
		t.Errorf("namespaces %v: want shop's labels declared", m.Namespaces)
	}

	for _, c := range []struct {
		name string
		objs *lift.Objects
		want string
	}{
		{"nil", nil, "no objects"},
		{"namespaces only", &lift.Objects{Namespaces: objs.Namespaces}, "no policy"},
	} {
		if _, err := lift.Lift(c.objs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
