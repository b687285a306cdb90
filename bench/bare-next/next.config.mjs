// @ts-check
// The benchmarks' Next.js baseline (bench/bare-next.ts builds and starts it): a Next.js 16 app
// with one route handler that forwards, and nothing else. Built apart from the product, so the
// production route tree has no benchmark route.

/** @type {import('next').NextConfig} */
const nextConfig = { poweredByHeader: false }

export default nextConfig
