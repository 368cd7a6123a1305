// The NIO side of one collector connection: TLS settings, the RELP response decoder, and the
// inbound handler that hands responses and the connection's end to the CollectorClient.

import FileWatchCore
import NIOCore
import NIOPosix
import NIOSSL

/// A TLS client context from `--tls-ca`, `--tls-cert`, `--tls-key` (the collector's certificate
/// and name are always verified).
enum CollectorTLS {
    static func context(_ c: ShippingConfiguration) throws(SessionError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        if let ca = c.tlsCA {
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) } catch {
                throw SessionError("--tls-ca \(ca): cannot read a PEM certificate from it (\(error)).")
            }
        }
        if let cert = c.tlsCertificate, let key = c.tlsKey {
            do { tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) } } catch {
                throw SessionError("--tls-cert \(cert): cannot read a PEM certificate from it (\(error)).")
            }
            do { tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)) } catch {
                throw SessionError("--tls-key \(key): cannot read a PEM private key from it (\(error)).")
            }
        }
        do { return try NIOSSLContext(configuration: tls) } catch {
            throw SessionError("TLS settings refused: \(error)")
        }
    }

    /// Whether `host` is an IP address (checked against the certificate's IP names, not sent as SNI).
    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// One sentence for a failed connection or handshake.
    static func sentence(for error: Error, _ c: ShippingConfiguration) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("unableToValidateCertificate") {
            return "the collector's TLS certificate was not accepted: it is not signed by "
                + (c.tlsCA.map { "the CA in \($0)" } ?? "a CA this system trusts (give --tls-ca)")
                + ", or is expired or for another name"
        }
        if text.contains("CERTIFICATE_REQUIRED") || text.contains("HANDSHAKE_FAILURE") || text.contains("BAD_CERTIFICATE")
            || text.contains("UNKNOWN_CA") {
            return c.tlsCertificate == nil
                ? "the collector refused the TLS connection: it requires a client certificate (give --tls-cert and --tls-key)"
                : "the collector refused the TLS connection: it did not accept the client certificate in \(c.tlsCertificate!)"
        }
        if let e = error as? NIOSSLError, case .uncleanShutdown = e, c.tlsCertificate == nil {
            return "the collector ended the TLS session without answering: it requires a client certificate, most likely (give --tls-cert and --tls-key)"
        }
        if let e = error as? IOError {
            return "cannot connect: \(e.description)"
        }
        if case ChannelError.connectTimeout = error { return "cannot connect: timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "cannot connect: connection refused" }
        return "connection failed: \(text)"
    }
}

/// RELP frames from the server.
struct RELPResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = RELPFrame

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let bytes = buffer.readableBytesView
        guard let (frame, used) = try RELPDecoder.decode(bytes) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: used)
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Passes what arrives to the client (on the channel's event loop).
final class CollectorInboundHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = RELPFrame
    private weak var client: CollectorClient?
    private let generation: Int

    init(client: CollectorClient, generation: Int) {
        self.client = client
        self.generation = generation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client?.received(unwrapInboundIn(data), generation: generation)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client?.readComplete(generation: generation)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client?.disconnected(reason: nil, generation: generation)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        client?.disconnected(reason: error, generation: generation)
        context.close(promise: nil)
    }
}

/// Reads and drops whatever a plain syslog collector sends (nothing, normally).
final class DiscardingInboundHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private weak var client: CollectorClient?
    private let generation: Int

    init(client: CollectorClient, generation: Int) {
        self.client = client
        self.generation = generation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelInactive(context: ChannelHandlerContext) {
        client?.disconnected(reason: nil, generation: generation)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        client?.disconnected(reason: error, generation: generation)
        context.close(promise: nil)
    }
}
