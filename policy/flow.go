package policy

import (
	"fmt"
	"net/netip"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// endpointKinds are the kinds of endpoint a flow can name.
var endpointKinds = []EndpointKind{EndpointPod, EndpointExternal, EndpointHost, EndpointRemoteNode, EndpointKubeAPIServer, EndpointSystem}

// components are the components an EndpointSystem can stand for.
var components = []string{ComponentHealth, ComponentIngress, ComponentInit, ComponentUnmanaged}

// Validate reports what makes the flow something no cluster carries, every problem at
// once with its path: an end without a kind, a pod without a namespace, an external end
// without an address or name, a port outside 1..65535 or an unknown protocol, an ICMP
// message of an unknown family or type, an L7 request on ICMP. Set.Evaluate and
// explain.Flow judge only valid flows.
func (f Flow) Validate() error {
	var errs field.ErrorList
	for _, e := range []struct {
		path *field.Path
		end  Endpoint
	}{{field.NewPath("from"), f.From}, {field.NewPath("to"), f.To}} {
		errs = append(errs, e.end.validate(e.path)...)
	}
	if f.ICMP == nil {
		switch f.Protocol {
		case TCP, UDP, SCTP:
		default:
			errs = append(errs, field.NotSupported(field.NewPath("protocol"), f.Protocol, []Protocol{TCP, UDP, SCTP}))
		}
		for _, msg := range validation.IsValidPortNum(int(f.Port)) {
			errs = append(errs, field.Invalid(field.NewPath("port"), f.Port, msg))
		}
	} else {
		icmp := field.NewPath("icmp")
		if f.ICMP.Family != IPv4 && f.ICMP.Family != IPv6 {
			errs = append(errs, field.NotSupported(icmp.Child("family"), f.ICMP.Family, []IPFamily{IPv4, IPv6}))
		}
		for _, msg := range validation.IsInRange(int(f.ICMP.Type), 0, 255) {
			errs = append(errs, field.Invalid(icmp.Child("type"), f.ICMP.Type, msg))
		}
		if f.ICMP.Code != nil {
			for _, msg := range validation.IsInRange(int(*f.ICMP.Code), 0, 255) {
				errs = append(errs, field.Invalid(icmp.Child("code"), *f.ICMP.Code, msg))
			}
		}
		if f.HTTP != nil || f.DNSQuery != "" {
			errs = append(errs, field.Forbidden(icmp, "an ICMP message carries no HTTP request or DNS query"))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid flow: %w", errs.ToAggregate())
}

func (e Endpoint) validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch e.Kind {
	case EndpointPod:
		if e.Namespace == "" {
			errs = append(errs, field.Required(path.Child("namespace"), "a pod is in a namespace"))
		}
	case EndpointExternal:
		if !e.IP.IsValid() && e.DNSName == "" {
			errs = append(errs, field.Required(path.Child("ip"), "an external end has an address (or the DNS name it was looked up by)"))
		}
	case EndpointSystem:
		if !slices.Contains(components, e.Component) {
			errs = append(errs, field.NotSupported(path.Child("component"), e.Component, components))
		}
	case EndpointHost, EndpointRemoteNode, EndpointKubeAPIServer:
	case "":
		errs = append(errs, field.Required(path.Child("kind"), fmt.Sprintf("one of %v", endpointKinds)))
	default:
		errs = append(errs, field.NotSupported(path.Child("kind"), e.Kind, endpointKinds))
	}
	return errs
}

// PodEndpoint is a pod of the namespace with the labels, as an end of a flow. The
// evaluator adds the namespace's declared labels and kubernetes.io/metadata.name.
func PodEndpoint(namespace string, labels map[string]string) Endpoint {
	return Endpoint{Kind: EndpointPod, Namespace: namespace, Labels: labels}
}

// AddressEndpoint is an address outside the cluster, as an end of a flow.
func AddressEndpoint(ip netip.Addr) Endpoint { return Endpoint{Kind: EndpointExternal, IP: ip} }

// NamedAddressEndpoint is an address outside the cluster that was looked up by name, so
// that FQDN peers can match it.
func NamedAddressEndpoint(ip netip.Addr, dnsName string) Endpoint {
	return Endpoint{Kind: EndpointExternal, IP: ip, DNSName: dnsName}
}

// NodeEndpoint is the node the other end of the flow runs on, with its labels.
func NodeEndpoint(labels map[string]string) Endpoint {
	return Endpoint{Kind: EndpointHost, Labels: labels}
}

// RemoteNodeEndpoint is another node of the cluster, with its labels.
func RemoteNodeEndpoint(labels map[string]string) Endpoint {
	return Endpoint{Kind: EndpointRemoteNode, Labels: labels}
}

// KubeAPIServerEndpoint is the Kubernetes API server.
func KubeAPIServerEndpoint() Endpoint { return Endpoint{Kind: EndpointKubeAPIServer} }

// NewFlow is a connection from one end to the other on the protocol and destination port.
// Set ICMP, HTTP or DNSQuery on the result for those flows.
func NewFlow(from, to Endpoint, protocol Protocol, port int32) Flow {
	return Flow{From: from, To: to, Protocol: protocol, Port: port}
}
