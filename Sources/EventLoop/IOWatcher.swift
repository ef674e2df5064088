import Dispatch

/// The Dispatch read and write sources of one descriptor, confined to one loop's queue.
///
/// Sources are level-triggered: a read source fires while data (or EOF) is waiting, a
/// write source while the socket has room. So reading stops when its owner says so, and
/// the write source exists only once a write met EAGAIN (created lazily, then suspended
/// and resumed on transitions only, never per event). `cancel` resumes suspended sources
/// first — a suspended source never runs its cancel handler — and reports when every
/// cancel handler has run, which is when the owner may close the descriptor.
final class IOWatcher {
    private let fd: CInt
    private let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private(set) var readingActive = false
    private(set) var writingActive = false
    private var cancelled = false
    // Owners capture themselves here; cleared on cancel to break the cycle.
    private var onReadable: () -> Void
    private var onWritable: () -> Void

    init(fd: CInt, queue: DispatchQueue, onReadable: @escaping () -> Void, onWritable: @escaping () -> Void) {
        self.fd = fd
        self.queue = queue
        self.onReadable = onReadable
        self.onWritable = onWritable
    }

    /// Starts or stops read events; a no-op when already in that state.
    func setReading(_ on: Bool) {
        guard on != readingActive, !cancelled else { return }
        readingActive = on
        if on {
            if let source = readSource {
                source.resume()
            } else {
                let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
                source.setEventHandler(handler: onReadable)
                readSource = source
                source.resume()
            }
        } else {
            readSource?.suspend()
        }
    }

    /// Starts or stops write events; a no-op when already in that state.
    func setWriting(_ on: Bool) {
        guard on != writingActive, !cancelled else { return }
        writingActive = on
        if on {
            if let source = writeSource {
                source.resume()
            } else {
                let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
                source.setEventHandler(handler: onWritable)
                writeSource = source
                source.resume()
            }
        } else {
            writeSource?.suspend()
        }
    }

    /// Cancels both sources; `done` runs on the queue once no source uses the fd any more.
    func cancel(_ done: @escaping () -> Void) {
        guard !cancelled else { return }
        cancelled = true
        onReadable = {}
        onWritable = {}
        let sources: [DispatchSourceProtocol] = [readSource, writeSource].compactMap { $0 }
        guard !sources.isEmpty else {
            done()
            return
        }
        var remaining = sources.count
        for source in sources {
            source.setCancelHandler {
                remaining -= 1  // cancel handlers run on the serial queue
                if remaining == 0 { done() }
            }
        }
        if let r = readSource, !readingActive { r.resume() }
        if let w = writeSource, !writingActive { w.resume() }
        for source in sources { source.cancel() }
        readSource = nil
        writeSource = nil
    }
}
