import Dispatch
import Proxy

extension ProxyServer {
    /// Shuts down with a short grace period and waits (at most 5 s) until it is done.
    func shutdownAndWait(grace: Duration = .milliseconds(200)) {
        let done = DispatchSemaphore(value: 0)
        shutdown(timeout: grace) { done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }
}
