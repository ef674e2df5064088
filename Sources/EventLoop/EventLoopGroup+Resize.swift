extension EventLoopGroup {
    /// A group of `count` loops for a `workers` reload: the first loops of this group stay
    /// (whatever runs on them goes on undisturbed, the first loop above all), new loops
    /// are appended; `retired` are this group's loops that the new group leaves out.
    public func resized(to count: Int) -> (group: EventLoopGroup, added: [EventLoop], retired: [EventLoop]) {
        precondition(count > 0, "an event loop group needs at least one loop")
        guard count != loops.count else { return (self, [], []) }
        let kept = Array(loops.prefix(count))
        let added = (kept.count..<count).map { EventLoop(index: $0) }
        return (EventLoopGroup(loops: kept + added), added, Array(loops.dropFirst(count)))
    }
}
