namespace Soar.Pipeline.Tasks;

/// <summary>Moves a finished temp folder into the stage's place: old folder aside, new folder in, old folder deleted.</summary>
public static class StageFolderSwap
{
    public static void Swap(string tempDir, string stageDir)
    {
        string? aside = null;
        if (Directory.Exists(stageDir))
        {
            aside = stageDir + StageLayout.AsideMarker + StageLayout.OwnerTag();
            Directory.Move(stageDir, aside);
        }
        Directory.Move(tempDir, stageDir);
        if (aside is not null) Directory.Delete(aside, recursive: true);
    }
}
