@testable import Proxy
import Testing

/// What replaced Foundation proper (NSString paths, trimmingCharacters, JSONSerialization)
/// gives the same answers for the inputs the proxy uses.
@Suite struct FoundationFreeHelpersTests {
    @Test(arguments: [
        ("/etc/failover-proxy/proxy.conf", "/etc/failover-proxy"),
        ("proxy.conf", ""),
        ("/proxy.conf", "/"),
        ("conf/proxy.conf", "conf"),
        ("conf/sub/", "conf"),
    ])
    func directoryOfAPath(path: String, directory: String) {
        #expect(FilePaths.directory(of: path) == directory)
    }

    @Test func joiningAPath() {
        #expect(FilePaths.join("", "a.pem") == "a.pem")
        #expect(FilePaths.join("/etc", "a.pem") == "/etc/a.pem")
        #expect(FilePaths.join("/", "a.pem") == "/a.pem")
    }

    @Test func trimming() {
        #expect(" \t token\r\n".trimmedWhitespace == "token")
        #expect("   ".trimmedWhitespace == "")
        #expect(" pass word \n".trimming(\.isNewline) == " pass word ")
    }

    @Test func untypedJSONRoundTrip() throws {
        let text = #"{"s":"x","t":true,"i":-7,"d":1.5,"a":[1,"two",null],"o":{"k":"v"}}"#
        let object = try #require(JSONAny.decode(Array(text.utf8)) as? [String: Any])
        #expect(object["s"] as? String == "x")
        #expect(object["t"] as? Bool == true)
        #expect(object["i"] as? Int == -7)
        #expect(object["d"] as? Double == 1.5)
        let array = try #require(object["a"] as? [Any])
        #expect(array.count == 3 && array[0] as? Int == 1 && array[1] as? String == "two" && array[2] is JSONAny.Null)
        #expect((object["o"] as? [String: Any])?["k"] as? String == "v")
        let again = try #require(JSONAny.encode(object))
        let reread = try #require(JSONAny.decode(again) as? [String: Any])
        #expect(reread["i"] as? Int == -7 && reread["t"] as? Bool == true)
        #expect(JSONAny.decode(Array("not json".utf8)) == nil)
    }
}
