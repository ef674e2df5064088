import TestSupport
import CLinux
import Glibc
import Testing
@testable import EventLoop

/// The per-loop epoll set behind IOWatcher.
struct PollerTests {
    fileprivate func socketPair() -> (CInt, CInt) {
        var fds: [CInt] = [-1, -1]
        let rc = socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds)
        precondition(rc == 0, "socketpair failed")
        return (fds[0], fds[1])
    }

    fileprivate func send(_ fd: CInt) {
        var byte: UInt8 = 1
        _ = Glibc.write(fd, &byte, 1)
    }

    @Test func readAndWriteInterestAreReportedAndCancelDeregisters() {
        let loop = EventLoop()
        let (a, b) = socketPair()
        defer { _ = Glibc.close(b) }
        let readable = Promise<Void>()
        let writable = Promise<Void>()
        let box = UncheckedBox(Holder())
        loop.execute {
            let watcher = IOWatcher(fd: a, loop: loop, onReadable: {
                readable.fulfill(())
                box.value.watcher?.setReading(false)
            }, onWritable: {
                writable.fulfill(())
                box.value.watcher?.setWriting(false)
            })
            box.value.watcher = watcher
            watcher.setWriting(true)
            watcher.setReading(true)
        }
        #expect(writable.wait() != nil)
        send(b)
        #expect(readable.wait() != nil)
        let cancelled = Promise<Int>()
        loop.execute {
            var doneRan = false
            box.value.watcher?.cancel { doneRan = true }
            _ = Glibc.close(a)
            cancelled.fulfill(doneRan ? loop.poller.registeredCount : -1)
        }
        #expect(cancelled.wait() == 0)
    }

    /// The descriptors in the loop's epoll set, from the kernel's own listing.
    private func watchedByKernel(_ loop: EventLoop) -> Set<CInt> {
        let path = "/proc/self/fdinfo/\(loop.poller.epollDescriptor)"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Set(text.split(separator: "\n").compactMap { line -> CInt? in
            guard line.hasPrefix("tfd:") else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { CInt($0) }
        })
    }

    /// `cancelClosing` makes no epoll_ctl: the close takes the descriptor out of the set,
    /// and the slot is free at once.
    @Test func cancelClosingLeavesTheSetByTheClose() {
        let loop = EventLoop()
        let (a, b) = socketPair()
        defer { _ = Glibc.close(b) }
        let before = Promise<(Bool, Int)>()
        let box = UncheckedBox(Holder())
        loop.execute {
            let watcher = IOWatcher(fd: a, loop: loop, onReadable: {}, onWritable: {})
            box.value.watcher = watcher
            watcher.setReading(true)
            before.fulfill((watchedByKernel(loop).contains(a), loop.poller.registeredCount))
        }
        let registered = before.wait()
        #expect(registered?.0 == true)
        #expect(registered?.1 == 1)
        let after = Promise<(Bool, Int)>()
        loop.execute {
            box.value.watcher?.cancelClosing { _ = Glibc.close(a) }
            after.fulfill((watchedByKernel(loop).contains(a), loop.poller.registeredCount))
        }
        let closed = after.wait()
        #expect(closed?.0 == false)
        #expect(closed?.1 == 0)
    }

    /// Two descriptors ready in one batch: whichever handler runs first cancels the other,
    /// closes its fd and watches a new socket that likely gets the same number. The event
    /// already fetched for the old registration must reach nobody.
    @Test func anEventForADescriptorDeregisteredEarlierInTheBatchIsDropped() {
        let loop = EventLoop()
        let calls = Collected<String>()
        let settled = Promise<Void>()
        let state = UncheckedBox(PairState())
        let (a1, b1) = socketPair()
        let (a2, b2) = socketPair()
        send(b1)
        send(b2)  // both readable before they are registered: one epoll_wait returns both
        loop.execute {
            let s = state.value
            func replace(_ other: Int) {
                guard let victim = s.watchers[other] else { return }
                s.watchers[other] = nil
                victim.cancel {}
                _ = Glibc.close(s.fds[other])
                let (fresh, peer) = socketPair()  // lowest free number: the one just closed
                s.extra = (fresh, peer)
                let watcher = IOWatcher(fd: fresh, loop: loop,
                                        onReadable: { calls.append("fresh") }, onWritable: {})
                s.fresh = watcher
                watcher.setReading(true)
            }
            s.fds = [a1, a2]
            for i in 0..<2 {
                let watcher = IOWatcher(fd: s.fds[i], loop: loop, onReadable: {
                    calls.append("w\(i)")
                    s.watchers[i]?.setReading(false)
                    replace(1 - i)
                }, onWritable: {})
                s.watchers[i] = watcher
                watcher.setReading(true)
            }
            loop.scheduleTimer(after: .milliseconds(50)) { settled.fulfill(()) }
        }
        #expect(settled.wait() != nil)
        #expect(calls.all == ["w0"] || calls.all == ["w1"])
        let cleaned = Promise<Int>()
        loop.execute {
            let s = state.value
            for (i, w) in s.watchers { w.cancel {}; _ = Glibc.close(s.fds[i]) }
            s.fresh?.cancel {}
            if let (fresh, peer) = s.extra { _ = Glibc.close(fresh); _ = Glibc.close(peer) }
            cleaned.fulfill(loop.poller.registeredCount)
        }
        #expect(cleaned.wait() == 0)
        _ = Glibc.close(b1)
        _ = Glibc.close(b2)
    }

    /// epoll_ctl(ADD) fails for a descriptor epoll cannot watch (a regular file: EPERM). The
    /// owner must hear of it, as an error event a queue turn later, not wait forever.
    @Test func aDescriptorEpollRefusesIsReportedToItsOwner() throws {
        let loop = EventLoop()
        let path = "/tmp/poller-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        try #require(fd >= 0)
        defer { _ = Glibc.close(fd); unlink(path) }
        let reported = Promise<Bool>()
        let box = UncheckedBox(Holder())
        loop.execute {
            let watcher = IOWatcher(fd: fd, loop: loop, onReadable: {
                // The owner's next call on the fd is where it learns what is wrong.
                reported.fulfill(true)
                box.value.watcher?.setReading(false)
            }, onWritable: {})
            box.value.watcher = watcher
            watcher.setReading(true)
        }
        #expect(reported.wait() == true)
        let cleaned = Promise<Int>()
        loop.execute {
            box.value.watcher?.cancel {}
            cleaned.fulfill(loop.poller.registeredCount)
        }
        #expect(cleaned.wait() == 0)
    }
}


/// A connect's one-shot watch and the descriptor it leaves in the set (`Poller.park`).
extension PollerTests {
    /// The kernel's event mask for `fd` in the loop's epoll set; nil when it is not there.
    private func kernelMask(_ loop: EventLoop, _ fd: CInt) -> UInt32? {
        let path = "/proc/self/fdinfo/\(loop.poller.epollDescriptor)"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("tfd:") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 4, CInt(words[1]) == fd, words[2] == "events:" else { continue }
            return UInt32(words[3], radix: 16)
        }
        return nil
    }

    /// Connects to `server` on `loop`; `body` runs on the loop with the socket (nil: failed).
    private func connect(to server: EchoServer, on loop: EventLoop, _ body: @escaping (Socket?) -> Void) {
        Connector.connect(to: SocketAddress(host: "127.0.0.1", port: server.listener.port)!, on: loop, timeout: .seconds(5)) {
            result in body(try? result.get())
        }
    }

    /// A finished connect leaves its socket in the set, disarmed, with no `EPOLL_CTL_DEL`;
    /// the next watcher re-arms it (an `EPOLL_CTL_ADD` would fail with EEXIST).
    @Test func aFinishedConnectLeavesItsSocketInTheSetForTheNextWatcher() throws {
        let server = try EchoServer()
        defer { server.close() }
        let loop = EventLoop()
        let seen = Promise<(parked: UInt32?, slots: Int, armed: UInt32?)>()
        let echoed = Promise<UInt8>()
        let box = UncheckedBox(Holder())
        connect(to: server, on: loop) { socket in
            guard let socket else { return seen.fulfill((nil, -1, nil)) }
            let fd = socket.readinessDescriptor
            let parked = kernelMask(loop, fd)
            let slots = loop.poller.registeredCount
            let watcher = IOWatcher(fd: fd, loop: loop, onReadable: {
                var byte: UInt8 = 0
                if Glibc.read(fd, &byte, 1) == 1 { echoed.fulfill(byte) }
            }, onWritable: {})
            box.value.watcher = watcher
            box.value.socket = socket
            watcher.setReading(true)
            seen.fulfill((parked, slots, kernelMask(loop, fd)))
            var byte: UInt8 = 0x2a
            _ = Glibc.write(fd, &byte, 1)
        }
        let state = seen.wait()
        #expect(state?.parked == CLINUX_EPOLLONESHOT)  // in the set, no event armed
        #expect(state?.slots == 0)
        #expect(state?.armed.map { $0 & CLINUX_EPOLLIN != 0 } == true)
        #expect(echoed.wait() == 0x2a)
        let closed = Promise<Bool>()
        loop.execute {
            let fd = box.value.socket!.readinessDescriptor
            box.value.watcher?.cancelClosing { box.value.socket?.close() }
            closed.fulfill(kernelMask(loop, fd) == nil)
        }
        #expect(closed.wait() == true)
    }

    /// A watcher of a closed socket's descriptor (-1), once the poller has parked others:
    /// its registration fails and is reported to it, as for any descriptor epoll refuses.
    @Test func aClosedDescriptorIsReportedAfterAPark() throws {
        let server = try EchoServer()
        defer { server.close() }
        let loop = EventLoop()
        let reported = Promise<Bool>()
        let box = UncheckedBox(Holder())
        connect(to: server, on: loop) { socket in
            guard let socket else { return reported.fulfill(false) }
            socket.close()  // parked first, then closed: its descriptor now reads -1
            let watcher = IOWatcher(fd: socket.readinessDescriptor, loop: loop, onReadable: {
                reported.fulfill(true)
                box.value.watcher?.cancelClosing {}
            }, onWritable: {})
            box.value.watcher = watcher
            watcher.setReading(true)
        }
        #expect(reported.wait() == true)
    }

    /// A parked socket closed by code that does not tell the poller, its number then taken
    /// by a new descriptor: the new one is still watched (the re-arm finds nothing, so it
    /// is added).
    @Test func aParkedNumberClosedAndReusedIsWatchedAfresh() throws {
        let server = try EchoServer()
        defer { server.close() }
        let loop = EventLoop()
        let peer = Promise<CInt>()
        let readable = Promise<Void>()
        let armed = Promise<UInt32?>()
        let box = UncheckedBox(Holder())
        connect(to: server, on: loop) { socket in
            guard let socket else { return peer.fulfill(-1) }
            let fd = socket.readinessDescriptor
            socket.close()
            let (a, b) = socketPair()
            if a != fd {  // the parked number, now another socket
                _ = dup2(a, fd)
                _ = Glibc.close(a)
            }
            let watcher = IOWatcher(fd: fd, loop: loop, onReadable: {
                readable.fulfill(())
                box.value.watcher?.setReading(false)
            }, onWritable: {})
            box.value.watcher = watcher
            box.value.fd = fd
            watcher.setReading(true)
            armed.fulfill(kernelMask(loop, fd))
            peer.fulfill(b)
        }
        let b = peer.wait() ?? -1
        #expect(b >= 0)
        #expect(armed.wait()?.map { $0 & CLINUX_EPOLLIN != 0 } == true)
        send(b)
        #expect(readable.wait() != nil)
        let done = Promise<Void>()
        loop.execute {
            box.value.watcher?.cancelClosing { _ = Glibc.close(box.value.fd) }
            done.fulfill(())
        }
        _ = done.wait()
        _ = Glibc.close(b)
    }
}

private final class Holder {
    var watcher: IOWatcher?
    var socket: Socket?
    var fd: CInt = -1
}

private final class PairState {  // touched only on the loop
    var fds: [CInt] = []
    var watchers: [Int: IOWatcher] = [:]
    var fresh: IOWatcher?
    var extra: (CInt, CInt)?
}
