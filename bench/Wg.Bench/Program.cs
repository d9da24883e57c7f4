// BenchmarkDotNet entry point: `dotnet run -c Release --project bench/Wg.Bench -- --filter '*'`.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
