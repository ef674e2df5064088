import Cluster
import Testing

@Suite struct StoreTypesTests {
    @Test func changeKnowsItsKeyAndRevision() {
        let put = StoreChange.put(StoredValue(key: "/a", value: [1], createRevision: 3, modRevision: 7))
        #expect(put.key == "/a" && put.revision == 7)
        let delete = StoreChange.delete(key: "/b", revision: 9)
        #expect(delete.key == "/b" && delete.revision == 9)
    }
}
