/// A first-in first-out queue on an array with a moving head: amortized O(1) append and removal
/// from the front, and removal of any element by a linear scan. A plain value; thread-safe as a
/// value.
struct FIFOQueue<Element: Sendable>: Sendable {
    private var items: [Element] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }
    var first: Element? { isEmpty ? nil : items[head] }

    /// The elements, front first.
    var elements: ArraySlice<Element> { items[head...] }

    mutating func append(_ element: Element) { items.append(element) }

    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Removes the first element matching `predicate`; returns whether one was found.
    mutating func removeFirst(where predicate: (Element) -> Bool) -> Bool {
        guard let index = items[head...].firstIndex(where: predicate) else { return false }
        items.remove(at: index)
        return true
    }

    /// Removes and returns every element.
    mutating func removeAll() -> [Element] {
        let all = Array(items[head...])
        items.removeAll()
        head = 0
        return all
    }
}
