using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Hearth.Skills.Checkout;

/// <summary>A path under the checkout root that is refused: it escapes the root, or goes through (or is) a symbolic link.</summary>
public sealed class CheckoutRefusedException(string message) : Exception(message);

/// <summary>
/// The checkout root (<c>Skills:CheckoutRoot</c>): files are written to and read from <c>&lt;root&gt;/&lt;owner&gt;/&lt;path&gt;</c>
/// and nowhere else. Paths are library paths (normalised: no <c>..</c>, not absolute), and every component below the
/// root is checked with lstat semantics (<see cref="FileSystemInfo.LinkTarget"/>): a symbolic link anywhere — a
/// folder or the file itself — is refused. Writes go to a temporary file in the checked folder and are renamed into
/// place (a rename replaces a directory entry and never follows a link there); reads open with <c>O_NOFOLLOW</c> on
/// Linux, so a link swapped in after the check fails the open instead of being followed.
/// </summary>
public sealed class CheckoutFolder
{
    public CheckoutFolder(string root)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new ArgumentException("The checkout root is required.", nameof(root));
        Root = System.IO.Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The full path of a library file in the owner's folder (not touched on disk).</summary>
    public string PathOf(string owner, string path)
    {
        if (string.IsNullOrEmpty(owner) || owner is "." or ".." || !owner.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            throw new CheckoutRefusedException("The owner id cannot name a folder.");
        var normalized = SkillPath.Normalize(path);
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, owner, normalized.Replace('/', System.IO.Path.DirectorySeparatorChar)));
        var ownerRoot = System.IO.Path.Combine(Root, owner) + System.IO.Path.DirectorySeparatorChar;
        if (!full.StartsWith(ownerRoot, StringComparison.Ordinal))
            throw new CheckoutRefusedException($"'{path}' resolves outside the checkout folder.");
        return full;
    }

    /// <summary>The owner's copy of <paramref name="path"/> relative to the root (what answers and errors show; never the server's full path).</summary>
    public string RelativePathOf(string owner, string path) =>
        System.IO.Path.GetRelativePath(Root, PathOf(owner, path)).Replace(System.IO.Path.DirectorySeparatorChar, '/');

    /// <summary>The library path of a full path inside the owner's folder, or null when it is not inside it.</summary>
    public string? LibraryPathOf(string owner, string fullPath)
    {
        var ownerRoot = System.IO.Path.Combine(Root, owner) + System.IO.Path.DirectorySeparatorChar;
        var full = System.IO.Path.GetFullPath(fullPath);
        return full.StartsWith(ownerRoot, StringComparison.Ordinal) ? full[ownerRoot.Length..].Replace(System.IO.Path.DirectorySeparatorChar, '/') : null;
    }

    /// <summary>Writes the bytes to the owner's copy of <paramref name="path"/>, creating folders; returns the full path.</summary>
    public async Task<string> WriteAsync(string owner, string path, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var full = PathOf(owner, path);
        var folder = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(Root);
        EnsureFolders(folder);
        RefuseLink(full, mustBeFile: true);
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, ct);
                await stream.FlushAsync(ct);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return full;
    }

    /// <summary>The bytes of the owner's copy of <paramref name="path"/>; null when there is no such file. At most <paramref name="maxBytes"/>.</summary>
    public async Task<byte[]?> ReadAsync(string owner, string path, int maxBytes, CancellationToken ct)
    {
        var full = PathOf(owner, path);
        CheckComponents(System.IO.Path.GetDirectoryName(full)!, create: false);
        if (!File.Exists(full) && !Directory.Exists(full) && new FileInfo(full).LinkTarget is null) return null;
        RefuseLink(full, mustBeFile: true);
        using var handle = OpenNoFollow(full);
        var length = RandomAccess.GetLength(handle);
        if (length > maxBytes) throw new CheckoutRefusedException($"'{path}' is larger than {maxBytes} bytes.");
        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), read, ct);
            if (n == 0) break;
            read += n;
        }
        return read == bytes.Length ? bytes : bytes[..read];
    }

    /// <summary>The SHA-256 of the owner's copy, or null when there is none (for "was it edited?").</summary>
    public async Task<string?> HashAsync(string owner, string path, int maxBytes, CancellationToken ct) =>
        await ReadAsync(owner, path, maxBytes, ct) is { } bytes ? Splitting.SkillSplitter.Sha256Hex(bytes) : null;

    private void EnsureFolders(string folder) => CheckComponents(folder, create: true);

    /// <summary>Walks from the root down to <paramref name="folder"/>, refusing links (and files where a folder should be), creating what is missing.</summary>
    private void CheckComponents(string folder, bool create)
    {
        var relative = System.IO.Path.GetRelativePath(Root, folder);
        if (relative == ".") return;
        if (relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative))
            throw new CheckoutRefusedException("The path resolves outside the checkout folder.");
        var current = Root;
        foreach (var part in relative.Split(System.IO.Path.DirectorySeparatorChar))
        {
            current = System.IO.Path.Combine(current, part);
            var info = new DirectoryInfo(current);
            if (info.LinkTarget is not null)
                throw new CheckoutRefusedException($"'{System.IO.Path.GetRelativePath(Root, current)}' is a symbolic link; checkouts never follow links.");
            if (info.Exists) continue;
            if (File.Exists(current))
                throw new CheckoutRefusedException($"'{System.IO.Path.GetRelativePath(Root, current)}' is a file where a folder is needed.");
            if (!create) return;
            Directory.CreateDirectory(current);
        }
    }

    private void RefuseLink(string full, bool mustBeFile)
    {
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
            throw new CheckoutRefusedException($"'{System.IO.Path.GetRelativePath(Root, full)}' is a symbolic link; checkouts never follow links.");
        if (mustBeFile && Directory.Exists(full))
            throw new CheckoutRefusedException($"'{System.IO.Path.GetRelativePath(Root, full)}' is a folder.");
    }

    private SafeFileHandle OpenNoFollow(string full)
    {
        if (!OperatingSystem.IsLinux()) return File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        // O_NOFOLLOW differs by architecture (x64 0x20000, arm64 0x8000); O_CLOEXEC is 0x80000 on both.
        var noFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
        var fd = open(full, noFollow | 0x80000);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            const int ELOOP = 40, ENOENT = 2;
            throw errno switch
            {
                ELOOP => new CheckoutRefusedException($"'{System.IO.Path.GetRelativePath(Root, full)}' is a symbolic link; checkouts never follow links."),
                ENOENT => new FileNotFoundException("The checked-out file is gone.", full),
                _ => new IOException($"Cannot open the checked-out file (errno {errno})."),
            };
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
