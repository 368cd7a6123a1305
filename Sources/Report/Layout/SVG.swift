// A small typed SVG writer for the charts: elements with attributes and children, text escaped.
// Numbers are written with at most two decimals.

public struct SVGElement: Sendable {
    public var name: String
    public var attributes: [(String, String)]
    public var children: [SVGElement]
    /// Text content (escaped when rendered).
    public var text: String?

    public init(_ name: String, _ attributes: [(String, String)] = [], children: [SVGElement] = [], text: String? = nil) {
        self.name = name; self.attributes = attributes; self.children = children; self.text = text
    }

    public static func rect(_ r: Rect, class cls: String? = nil, fill: String? = nil, title: String? = nil) -> SVGElement {
        var a = [("x", SVG.num(r.x)), ("y", SVG.num(r.y)), ("width", SVG.num(r.width)), ("height", SVG.num(r.height))]
        if let cls { a.append(("class", cls)) }
        if let fill { a.append(("fill", fill)) }
        return SVGElement("rect", a, children: title.map { [SVGElement("title", text: $0)] } ?? [])
    }

    public static func line(x1: Double, y1: Double, x2: Double, y2: Double, class cls: String) -> SVGElement {
        SVGElement("line", [("x1", SVG.num(x1)), ("y1", SVG.num(y1)), ("x2", SVG.num(x2)), ("y2", SVG.num(y2)), ("class", cls)])
    }

    public static func label(_ text: String, x: Double, y: Double, class cls: String, anchor: String = "start") -> SVGElement {
        SVGElement("text", [("x", SVG.num(x)), ("y", SVG.num(y)), ("class", cls), ("text-anchor", anchor)], text: text)
    }

    public func render(into out: inout String) {
        out += "<"; out += name
        for (k, v) in attributes { out += " "; out += k; out += "=\""; out += HTMLEscape.text(v); out += "\"" }
        if children.isEmpty && text == nil { out += "/>"; return }
        out += ">"
        if let text { out += HTMLEscape.text(text) }
        for c in children { c.render(into: &out) }
        out += "</"; out += name; out += ">"
    }

    public var rendered: String {
        var s = ""
        render(into: &s)
        return s
    }
}

public enum SVG {
    /// A number for an attribute: integers plain, others with up to two decimals.
    public static func num(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int64(r)) }
        return String(r)
    }

    /// An `<svg>` root scaling to its container's width.
    public static func root(width: Double, height: Double, class cls: String, label: String, children: [SVGElement]) -> SVGElement {
        SVGElement("svg", [("viewBox", "0 0 \(num(width)) \(num(height))"), ("class", cls), ("role", "img"),
                           ("aria-label", label), ("xmlns", "http://www.w3.org/2000/svg")],
                   children: [SVGElement("title", text: label)] + children)
    }
}
