import Glibc
import Testing
@testable import EventLoop

/// A socket dropped while open is its owner's bug: debug builds stop there (release builds
/// close it and go on). Checked in a child process, which the assertion ends.
struct SocketLeakTests {
    #if DEBUG
    @Test func aSocketDroppedOpenIsAnAssertionFailureInDebugBuilds() async {
        await #expect(processExitsWith: .failure) {
            let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
            _ = Socket(taking: fd)
        }
    }
    #endif

    @Test func aSocketClosedByItsOwnerGoesAwayQuietly() async {
        await #expect(processExitsWith: .success) {
            let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
            Socket(taking: fd).close()
        }
    }
}
