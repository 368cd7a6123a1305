// Squarified treemap (Bruls, Huizing, van Wijk 2000): rectangles with areas proportional to the
// values, laid out row by row so each row keeps its rectangles' aspect ratios closest to 1.

public struct Rect: Equatable, Sendable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var area: Double { width * height }
}

public enum Squarify {
    /// One rectangle per value, in the values' order. Values must be sorted largest first for the
    /// best layout; zero and negative values get empty rectangles.
    public static func layout(_ values: [Double], in rect: Rect) -> [Rect] {
        var out = Array(repeating: Rect(x: rect.x, y: rect.y, width: 0, height: 0), count: values.count)
        let total = values.reduce(0) { $0 + max(0, $1) }
        guard total > 0, rect.area > 0 else { return out }
        let scale = rect.area / total
        var free = rect
        var row: [Int] = []
        var i = 0
        let items = values.indices.filter { values[$0] > 0 }
        func area(_ k: Int) -> Double { values[k] * scale }
        func worst(_ r: [Int], side: Double) -> Double {
            let s = r.reduce(0) { $0 + area($1) }
            guard s > 0, side > 0 else { return .infinity }
            let mx = r.map(area).max()!, mn = r.map(area).min()!
            return max(side * side * mx / (s * s), s * s / (side * side * mn))
        }
        func place(_ r: [Int]) {
            let s = r.reduce(0) { $0 + area($1) }
            if free.width >= free.height {
                // A column on the left.
                let w = free.height > 0 ? s / free.height : 0
                var y = free.y
                for k in r {
                    let h = w > 0 ? area(k) / w : 0
                    out[k] = Rect(x: free.x, y: y, width: w, height: h)
                    y += h
                }
                free = Rect(x: free.x + w, y: free.y, width: max(0, free.width - w), height: free.height)
            } else {
                // A row on top.
                let h = free.width > 0 ? s / free.width : 0
                var x = free.x
                for k in r {
                    let w = h > 0 ? area(k) / h : 0
                    out[k] = Rect(x: x, y: free.y, width: w, height: h)
                    x += w
                }
                free = Rect(x: free.x, y: free.y + h, width: free.width, height: max(0, free.height - h))
            }
        }
        while i < items.count {
            let k = items[i]
            let side = min(free.width, free.height)
            if row.isEmpty || worst(row + [k], side: side) <= worst(row, side: side) {
                row.append(k)
                i += 1
            } else {
                place(row)
                row = []
            }
        }
        if !row.isEmpty { place(row) }
        return out
    }
}
