import Dispatch
import EventLoop
import FailoverModel
import Logging
import ProxyConfig
import TLS

extension RoleController {
    /// Subscribes to the role's `events` feed, when it has one. While the feed is connected
    /// it is the authority: the model moves the role on its own only when the active server
    /// fails. When the feed is lost for one health `interval`, the proxy decides alone again.
    func startFeed() throws(ProxyError) -> EventFeedClient? {
        guard !config.eventFeeds.isEmpty else { return nil }
        var targets: [EventFeedClient.Target] = []
        for url in config.eventFeeds {
            let address = try AddressResolution.resolve(url.address, what: "events")
            var tls: UpstreamTLS?
            if url.isTLS {
                // Verified like the role's tls servers: tls-ca (or the system store) and tls-verify.
                do {
                    let context = try TLSClientContext(caFile: config.tlsCA, verify: config.tlsVerify, alpnProtocols: [])
                    tls = UpstreamTLS(context: context, serverName: url.host)
                } catch {
                    throw ProxyError(description: "role '\(name)': event feed TLS: \(error.message)")
                }
            }
            targets.append(EventFeedClient.Target(url: url, address: address, tls: tls))
        }
        let handler = EventFeedClient.Handler(
            connected: { [weak self] url in
                guard let self else { return }
                queue.async { self.feedConnected(url) }
            },
            disconnected: { [weak self] reason in
                guard let self else { return }
                queue.async { self.feedLost(reason) }
            },
            event: { [weak self] event in
                guard let self else { return }
                queue.async { self.feedEvent(event) }
            }
        )
        // The first loop: a `workers` reload never retires it, so the feed is never moved.
        let client = EventFeedClient(targets: targets, loop: group.loops[0], connectTimeout: config.connectTimeout, handler: handler)
        client.start()
        return client
    }

    private func feedConnected(_ url: HTTPURL) {
        feedGeneration += 1
        followedFeed = url.text
        logger.notice("event feed connected; it decides where the role runs", metadata: ["feed": .string(url.text)])
        apply(model.setFeedAuthority(true, at: WallClock.now()))
    }

    private func feedLost(_ reason: String) {
        feedGeneration += 1
        followedFeed = nil
        let generation = feedGeneration
        logger.warning("event feed lost", metadata: ["reason": .string(reason)])
        queue.asyncAfter(deadline: .now() + config.health.interval.dispatchInterval) { [self] in
            guard generation == feedGeneration, model.isFeedAuthoritative else { return }
            logger.warning("event feed still lost after one interval; the proxy decides with its own model")
            apply(model.setFeedAuthority(false, at: WallClock.now()))
        }
    }

    private func feedEvent(_ event: SSEParser.Event) {
        guard event.type == "failover" || event.type == "message" else { return }  // health events are informative
        guard let failover = FeedEvent.failover(from: event.data) else {
            if event.type == "failover" {
                logger.warning("malformed failover event ignored", metadata: ["data": .string(String(event.data.prefix(200)))])
            }
            return
        }
        guard failover.role == name else {
            logger.debug("event for another role ignored", metadata: ["for": .string(failover.role)])
            return
        }
        guard let to = failover.to, let server = model.server(named: to) else {
            logger.warning("failover event names an unknown server; ignored", metadata: ["to": .string(failover.to ?? "")])
            return
        }
        let events = model.applyFailoverEvent(to: to, at: WallClock.now())
        if events.isEmpty && model.active != to {
            logger.warning("failover event ignored", metadata: ["to": .string(to), "state": .string(server.state.rawValue)])
        }
        // The event's id on the move's log line: which feed event moved the role.
        apply(events, cause: event.id.map { ["event_id": .string($0)] } ?? [:])
    }
}
