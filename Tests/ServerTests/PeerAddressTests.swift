import NIOCore
@testable import Server
import Testing

/// Which peers count as local: decided from the socket address alone.
@Suite("Peer addresses")
struct PeerAddressTests {
    @Test(arguments: ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
    func loopbackPeers(address: String) throws {
        #expect(PeerAddress.isLoopback(try SocketAddress(ipAddress: address, port: 4242)))
    }

    @Test(arguments: ["10.213.0.2", "192.168.1.20", "8.8.8.8", "::ffff:10.0.0.1", "fe80::1", "2001:db8::1", "128.0.0.1"])
    func remotePeers(address: String) throws {
        #expect(!PeerAddress.isLoopback(try SocketAddress(ipAddress: address, port: 4242)))
    }

    @Test func unknownPeerIsNotLocal() {
        #expect(!PeerAddress.isLoopback(nil))
    }

    @Test func tokensCompareExactly() {
        #expect(AdminAccessMiddleware.constantTimeEqual("s3cret", "s3cret"))
        #expect(!AdminAccessMiddleware.constantTimeEqual("s3cret", "s3cre"))
        #expect(!AdminAccessMiddleware.constantTimeEqual("s3cret", "s3creT"))
        #expect(!AdminAccessMiddleware.constantTimeEqual("", "x"))
    }
}
