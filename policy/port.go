package policy

// Protocol is an L4 protocol.
type Protocol string

// The L4 protocols a port can name.
const (
	TCP  Protocol = "TCP"
	UDP  Protocol = "UDP"
	SCTP Protocol = "SCTP"
)

// Port is one port, a port range or a named port of one protocol.
type Port struct {
	// Protocol is TCP, UDP or SCTP.
	Protocol Protocol
	// Port is the port number; 0 with Name empty means every port of Protocol.
	Port int32
	// EndPort, when non-zero, makes the port a range Port..EndPort inclusive.
	EndPort int32
	// Name is a named container port of the destination pod (IANA_SVC_NAME syntax);
	// Port and EndPort are then 0.
	Name string
}

// IPFamily is the IP family an ICMP match applies to.
type IPFamily string

// The IP families.
const (
	IPv4 IPFamily = "IPv4"
	IPv6 IPFamily = "IPv6"
)

// ICMP matches ICMP (IPv4) or ICMPv6 messages of one type, optionally of one code.
type ICMP struct {
	// Family is IPv4 (ICMP) or IPv6 (ICMPv6).
	Family IPFamily
	// Type is the ICMP type, 0..255.
	Type int32
	// Code, when set, narrows the match to one ICMP code, 0..255.
	Code *int32
}
